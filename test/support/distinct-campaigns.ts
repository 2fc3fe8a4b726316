/**
 * Test support: corpus messages of different campaigns. The SpamAssassin corpus holds copies of one campaign (three
 * of its first spam messages are one diet offer, sent to two lists), which Floodgate rightly takes for one; a test
 * that needs separate campaigns, or one "never seen", takes them from here.
 */
import { defaultConfig } from "../../src/config/schema.js";
import { sameCampaign } from "../../src/fingerprint/minhash.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import { taskOptions } from "../../src/fingerprint/pool-messages.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import type { TestMessage } from "../../src/client/milter-client.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadSpam } from "../../src/lab/corpus.js";

/** The first `n` of `messages` that are not of one campaign by the default configuration's rule. */
export async function distinctCampaigns<T extends { bytes: Buffer }>(messages: readonly T[], n: number): Promise<T[]> {
  const f = defaultConfig().fingerprint;
  const share = defaultConfig().campaigns.matchShare;
  const chosen: T[] = [];
  const sketches: number[][] = [];
  for (const message of messages) {
    const result = await runFingerprintTask({ ...taskOptions(f), message: message.bytes });
    const sketch = result.status === "ok" ? result.fingerprint.minhash : null;
    if (!sketch || sketches.some((other) => sameCampaign(other, sketch, share))) continue;
    sketches.push(sketch);
    chosen.push(message);
    if (chosen.length === n) break;
  }
  if (chosen.length < n) throw new Error(`only ${chosen.length} distinct campaigns among ${messages.length} messages`);
  return chosen;
}

/**
 * `campaigns` separate corpus spam campaigns (mid-sized messages among the first `spamLimit`) in `copies` personalised
 * copies each, the copies of campaign c from `<sender><c>@bulk.example.com` with seeds from `seed`.
 */
export async function campaignCopies(options: {
  spamLimit: number;
  campaigns: number;
  copies: number;
  seed: number;
  sender: string;
}): Promise<TestMessage[][]> {
  const spam = await distinctCampaigns(
    loadSpam({ limit: options.spamLimit }).filter((m) => m.bytes.length > 1500 && m.bytes.length < 12_000),
    options.campaigns,
  );
  const out: TestMessage[][] = [];
  for (const [c, message] of spam.entries()) {
    const base = await campaignBase(message.bytes);
    out.push(
      campaignVariants(base, options.copies, { seed: options.seed + c }).map((v) =>
        rawToTestMessage(v.message, `${options.sender}${c}@bulk.example.com`, [v.recipient.address]),
      ),
    );
  }
  return out;
}
