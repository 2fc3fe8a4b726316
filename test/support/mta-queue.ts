/**
 * Test support for the MTA-queue end-to-end tests (Postfix's and Sendmail's next hop down): the daemon's
 * configuration that samples the MTA's queue and alerts to a webhook, and the mail that piles up there.
 */
import assert from "node:assert/strict";
import { loadHam } from "../../src/lab/corpus.js";
import { sendMail } from "../../src/lab/smtp.js";

/** The daemon samples `mtaQueue` every second and fires FloodgateMtaDeferredHigh at `deferredHigh` to `hookUrl`. */
export function mtaQueueDaemonConfig(o: {
  redisUrl: string;
  hookUrl: string;
  mtaQueue: Record<string, unknown>;
  deferredHigh: number;
}): Record<string, unknown> {
  return {
    redis: { url: o.redisUrl },
    scanWorker: { processes: 0 },
    mtaQueue: { intervalSeconds: 1, ...o.mtaQueue },
    alerts: {
      evaluateIntervalMs: 250,
      webhooks: [{ url: o.hookUrl, backoffMs: 100 }],
      mtaQueue: { deferred: { high: o.deferredHigh, low: 0, forSeconds: 0, clearForSeconds: 0 } },
    },
  };
}

/** Send `count` corpus ham messages to remote readers through the MTA on `port`; each must be accepted. */
export async function sendToRemoteReaders(port: number, count: number, describe = () => ""): Promise<void> {
  for (const [i, m] of loadHam({ limit: count }).slice(0, count).entries()) {
    const r = await sendMail({ port, from: "list@example.org", to: [`reader${i}@remote.example`], data: m.bytes });
    assert.ok(r.accepted, `accepted through the milter: ${r.finalCode} ${r.finalText}\n${describe()}`);
  }
}
