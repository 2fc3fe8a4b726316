/**
 * Fingerprint versions across an upgrade, against what the build of version 1 (f34d09b) itself produced:
 * - the previous-version keys this build computes for every SpamAssassin corpus message are the keys that build
 *   computed (test/data/previous-version-keys.json, made by scripts/previous-version-keys.mjs on that build);
 * - a campaign that build blocked (`floodgate block --like`, its Redis keys in test/data/previous-version-block.json,
 *   made by scripts/previous-version-block.mjs) stops the copies this build's daemon receives on the same Redis.
 * The message blocked is multipart/alternative with a text/plain part that differs from its HTML: version 1 read
 * the one, this version reads the other.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MilterClient } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import type { PreviousKeys } from "../../src/fingerprint/previous-version.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import { corpusRoot, loadCorpus, stripEnvelopeLine, type CorpusGroup } from "../../src/lab/corpus.js";
import { createRedis } from "../../src/redis/connect.js";
import { defaultConfig } from "../../src/config/schema.js";
import { projectRoot } from "../../src/util/paths.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "../support/redis.js";

const DATA = join(projectRoot, "test/data");

interface GoldenKeys {
  build: { commit: string; options: { parseBytes: number; minWords: number; attachmentMinBytes: number } };
  /** Per corpus group, the digest of each message's keys in corpus order, space-separated. */
  groups: Record<string, string>;
}

/** As scripts/previous-version-keys.mjs digests a message's version 1 keys. */
function keyDigest(keys: Pick<PreviousKeys, "direct" | "minhash">): string {
  const minhash = keys.minhash === null ? "-" : keys.minhash.join(",");
  return createHash("sha1").update(`${keys.direct} ${minhash}`).digest("hex").slice(0, 8);
}

void describe("previous-version keys against the build of version 1", () => {
  const golden = JSON.parse(readFileSync(join(DATA, "previous-version-keys.json"), "utf8")) as GoldenKeys;

  void test(`every corpus message's keys are the ones ${golden.build.commit} computed`, async () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const [group, digests] of Object.entries(golden.groups)) {
      const expected = digests.split(" ");
      const messages = loadCorpus([group as CorpusGroup]);
      assert.equal(messages.length, expected.length, `${group}: the corpus has the messages the keys were made of`);
      for (const [i, message] of messages.entries()) {
        const options = { ...golden.build.options, parser: "fast" as const, previousVersion: true };
        const result = await runFingerprintTask({ ...options, message: message.bytes });
        assert.equal(result.status, "ok", message.file);
        const previous = result.status === "ok" ? result.fingerprint.previous : undefined;
        assert.ok(previous, `${message.file}: previous keys computed`);
        if (keyDigest(previous) !== expected[i]) wrong.push(message.file);
        compared++;
      }
    }
    assert.equal(compared, 6046);
    assert.deepEqual(wrong, [], `${wrong.length} messages whose previous-version keys differ from version 1's`);
  });
});

interface BlockFixture {
  generatedAt: number;
  prefix: string;
  commit: string;
  message: string;
  keys: { key: string; pttl: number; dump: string }[];
}

/** The campaign fields that hold times (ms since the epoch), moved to the test's clock. */
const TIME_FIELDS = ["first", "last", "blockUntil"];

/** Restore the keys of the fixture under `prefix`, the campaign's times moved by the time since it was made. */
async function restoreBlock(url: string, prefix: string, fixture: BlockFixture): Promise<string> {
  const redis = createRedis({ ...defaultConfig().redis, commandTimeoutMs: 30_000 }, url, "fastpath");
  const shift = Date.now() - fixture.generatedAt;
  const from = `${fixture.prefix}:{${fixture.prefix}}:`;
  let campaign = "";
  try {
    if (redis.status !== "ready") await once(redis, "ready");
    for (const { key, pttl, dump } of fixture.keys) {
      assert.ok(key.startsWith(from), key);
      const renamed = `${prefix}:{${prefix}}:${key.slice(from.length)}`;
      await redis.restore(renamed, Math.max(0, pttl), Buffer.from(dump, "base64"));
      if (/:c:[0-9a-f]+$/.test(key)) {
        campaign = key.slice(key.lastIndexOf(":") + 1);
        for (const field of TIME_FIELDS) {
          const value = Number(await redis.hget(renamed, field));
          if (value > 0) await redis.hset(renamed, field, String(value + shift));
        }
      }
    }
  } finally {
    redis.disconnect();
  }
  assert.notEqual(campaign, "", "the fixture holds a campaign");
  return campaign;
}

/** A copy of a message to another recipient, with its own Message-Id. */
function copyTo(message: Buffer, n: number): Buffer {
  const text = message
    .toString("latin1")
    .replace(/^To: .*$/m, `To: reader${n}@example.org`)
    .replace(/^Message-Id: .*$/im, `Message-Id: <copy${n}@example.net>`);
  return Buffer.from(text, "latin1");
}

/** The X-Floodgate headers a transaction's message was given. */
function floodgateHeaders(result: Awaited<ReturnType<MilterClient["transaction"]>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const m of result.eom?.modifications ?? []) {
    const header = m.kind === "addHeader" || m.kind === "insertHeader" || m.kind === "changeHeader";
    if (header && m.name?.startsWith("X-Floodgate-")) headers[m.name] = (m.value ?? "").trim();
  }
  return headers;
}

void describe("a block made by the build of version 1, after the upgrade, through the daemon on a real Redis", () => {
  const fixture = JSON.parse(readFileSync(join(DATA, "previous-version-block.json"), "utf8")) as BlockFixture;
  const blocked = stripEnvelopeLine(readFileSync(join(corpusRoot, fixture.message)));
  let redis: TestRedis;
  let daemon: DaemonProcess;
  let campaign: string;

  before(async () => {
    redis = await startTestRedis();
    const prefix = uniquePrefix("v1");
    campaign = await restoreBlock(redis.url, prefix, fixture);
    daemon = await startDaemonProcess({
      redis: { url: redis.url, prefix, commandTimeoutMs: 5_000 },
      queue: { enabled: false },
      worker: { processes: 0 },
      milter: { eomDeadlineMs: 10_000 },
      fingerprint: { taskTimeoutMs: 10_000 },
    });
  });
  after(async () => {
    await daemon?.stop();
    await redis?.stop();
  });

  void test(`copies of the message ${fixture.commit} blocked are refused as that campaign`, async () => {
    const client = await MilterClient.connect(daemon.milter);
    await client.open();
    try {
      for (let n = 0; n < 3; n++) {
        const copy = copyTo(blocked, n);
        const result = await client.transaction(rawToTestMessage(copy, "desk@example.net", [`reader${n}@example.org`]));
        const headers = floodgateHeaders(result);
        assert.equal(headers["X-Floodgate-Status"], "reject; campaign-blocked; by=operator", `copy ${n}`);
        assert.match(headers["X-Floodgate-Campaign"] ?? "", new RegExp(`^${campaign};`), `copy ${n}`);
      }
      // Another campaign's message is not stopped by it.
      const other = loadCorpus(["spam-1"], { limit: 1 })[0]!.bytes;
      const result = await client.transaction(rawToTestMessage(other, "x@example.net", ["reader@example.org"]));
      assert.equal(floodgateHeaders(result)["X-Floodgate-Status"], "continue; new");
    } finally {
      await client.quit();
    }
    assert.ok((await metricValue(daemon.metricsUrl, "floodgate_campaign_matches_total", { by: "previous" })) >= 1);
  });
});
