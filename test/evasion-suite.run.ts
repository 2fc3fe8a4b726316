/**
 * The evasion suite: campaigns built from the SpamAssassin corpus with each of the spammers' tricks alone and all
 * combined (src/lab/evasion.ts: hidden text salting, hash-busting salt, look-alike letters, short and link-only
 * messages, on top of the personalisation of campaign-variants.ts), 7 techniques × 8 campaigns × 25 copies, and
 * 2,000 distinct ham (one per thread), sent in a shuffled order through `floodgate run` with a real Redis, at one
 * session and at 16. Recall counts the campaign id in each copy's X-Floodgate-Campaign header as delivered; ham
 * false merges count pairs of distinct ham that got one id. The offline reference is a union-find over the same
 * fingerprints with the store's rule. Floors: recall ≥ 0.99 without salt, ≥ 0.95 with it; ham false merges ≤ 100
 * per million pairs across senders; online within 0.02 of offline. The seed (7) was not used while tuning.
 * EVASION_CAMPAIGNS, EVASION_COPIES and EVASION_HAM change the size; EVASION_SEED the seed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient } from "../src/client/milter-client.js";
import { rawToTestMessage } from "../src/client/raw-message.js";
import { defaultConfig } from "../src/config/schema.js";
import { runFingerprintTask } from "../src/fingerprint/task.js";
import type { Fingerprint } from "../src/fingerprint/types.js";
import { evasionSet, type EvasionMessage } from "../src/lab/evasion-set.js";
import { formatScore, offlineIds, scoreIds, type EvasionScore } from "../src/lab/evasion-score.js";
import { startDaemonProcess, type DaemonProcess } from "./support/daemon.js";
import { startTestRedis, type PrivateRedis } from "./support/redis.js";

const SEED = Number(process.env.EVASION_SEED ?? 7);
const CAMPAIGNS = Number(process.env.EVASION_CAMPAIGNS ?? 8);
const COPIES = Number(process.env.EVASION_COPIES ?? 25);
const HAM = Number(process.env.EVASION_HAM ?? 2000);

const header = (r: Awaited<ReturnType<MilterClient["transaction"]>>, name: string) =>
  r.eom?.modifications.find((m) => m.kind === "addHeader" && m.name === name && "value" in m)?.["value" as never] as
    string | undefined;

function assertFloors(label: string, score: EvasionScore): void {
  console.log(formatScore(label, score));
  assert.ok(score.unsalted >= 0.99, `${label}: recall without salt ${score.unsalted.toFixed(3)} < 0.99`);
  assert.ok(score.salted >= 0.95, `${label}: recall with salt ${score.salted.toFixed(3)} < 0.95`);
  assert.ok(score.hamPpmDistinct <= 100, `${label}: ${score.hamPpmDistinct.toFixed(1)} ppm ham false merges`);
}

void describe("evasion suite: campaign recognition against spammers' tricks", () => {
  let redis: PrivateRedis;
  let messages: EvasionMessage[];
  let offline: EvasionScore;

  before(async () => {
    redis = await startTestRedis();
    messages = await evasionSet({ seed: SEED, campaignsPerTechnique: CAMPAIGNS, copiesPerCampaign: COPIES, ham: HAM });
    const config = defaultConfig();
    const fingerprints: (Fingerprint | null)[] = [];
    for (const m of messages) {
      const result = await runFingerprintTask({
        message: m.message,
        parseBytes: config.fingerprint.parseKiB * 1024,
        minWords: config.fingerprint.minWords,
        attachmentMinBytes: config.fingerprint.attachmentMinBytes,
      });
      fingerprints.push(result.status === "ok" ? result.fingerprint : null);
    }
    offline = scoreIds(messages, offlineIds(fingerprints, config.campaigns.matchShare));
  });

  after(async () => {
    await redis?.stop();
  });

  void test("offline: a union-find over the fingerprints meets the floors", () => {
    assertFloors(`offline, seed ${SEED}, ${messages.length} messages`, offline);
  });

  for (const sessions of [1, 16]) {
    void test(`through the daemon at ${sessions} session(s), shuffled: the floors, and within 0.02 of offline`, async () => {
      const daemon: DaemonProcess = await startDaemonProcess({
        redis: { url: redis.url, prefix: `ev${sessions}` },
        policy: { holdBulk: false, failMode: "continue" },
        queue: { enabled: false },
        worker: { processes: 0 },
        milter: { eomDeadlineMs: 10_000 },
        fingerprint: { taskTimeoutMs: 10_000 },
      });
      try {
        const ids: (string | null)[] = new Array<string | null>(messages.length).fill(null);
        let next = 0;
        await Promise.all(
          Array.from({ length: sessions }, async () => {
            const client = await MilterClient.connect(daemon.milter);
            await client.open();
            while (next < messages.length) {
              const i = next++;
              const m = messages[i]!;
              const result = await client.transaction(rawToTestMessage(m.message, m.sender, [m.recipient]));
              ids[i] = header(result, "X-Floodgate-Campaign")?.trim().split(";")[0] ?? null;
            }
            await client.quit();
          }),
        );
        const missing = ids.filter((id) => id === null).length;
        assert.equal(missing, 0, `${missing} messages carried no campaign id`);
        const online = scoreIds(messages, ids);
        assertFloors(`daemon, ${sessions} session(s), seed ${SEED}`, online);
        assert.ok(Math.abs(online.unsalted - offline.unsalted) <= 0.02, "unsalted recall within 0.02 of offline");
        assert.ok(Math.abs(online.salted - offline.salted) <= 0.02, "salted recall within 0.02 of offline");
      } finally {
        assert.equal(await daemon.stop(), 0, "floodgate run exited cleanly");
      }
    });
  }
});
