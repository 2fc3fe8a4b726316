/**
 * Test support: corpus messages of different campaigns. The SpamAssassin corpus holds copies of one campaign (three
 * of its first spam messages are one diet offer, sent to two lists), which Floodgate rightly takes for one; a test
 * that needs separate campaigns, or one "never seen", takes them from here.
 */
import { defaultConfig } from "../../src/config/schema.js";
import { sameCampaign } from "../../src/fingerprint/minhash.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";

/** The first `n` of `messages` that are not of one campaign by the default configuration's rule. */
export async function distinctCampaigns<T extends { bytes: Buffer }>(messages: readonly T[], n: number): Promise<T[]> {
  const f = defaultConfig().fingerprint;
  const share = defaultConfig().campaigns.matchShare;
  const chosen: T[] = [];
  const sketches: number[][] = [];
  for (const message of messages) {
    const result = await runFingerprintTask({
      message: message.bytes,
      parseBytes: f.parseKiB * 1024,
      minWords: f.minWords,
      attachmentMinBytes: f.attachmentMinBytes,
    });
    const sketch = result.status === "ok" ? result.fingerprint.minhash : null;
    if (!sketch || sketches.some((other) => sameCampaign(other, sketch, share))) continue;
    sketches.push(sketch);
    chosen.push(message);
    if (chosen.length === n) break;
  }
  if (chosen.length < n) throw new Error(`only ${chosen.length} distinct campaigns among ${messages.length} messages`);
  return chosen;
}
