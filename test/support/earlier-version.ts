/**
 * What the tests of fingerprint versions share (test/integration/fingerprint-previous-version.test.ts for version 1,
 * fingerprint-version-two.test.ts for 2): the keys the build of an earlier version computed for the corpus, and the
 * Redis keys its `floodgate block --like` wrote, both made by test/data/previous-version-data.ts; restoring those
 * keys into a real Redis, copies of a blocked message, and the headers the daemon gave them.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MilterClient } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import type { Fingerprint } from "../../src/fingerprint/types.js";
import { corpusRoot, loadCorpus, stripEnvelopeLine, type CorpusGroup } from "../../src/lab/corpus.js";
import { createRedis } from "../../src/redis/connect.js";
import { projectRoot } from "../../src/util/paths.js";
import { startDaemonProcess, type DaemonProcess } from "./daemon.js";
import { startTestRedis, uniquePrefix, type TestRedis } from "./redis.js";

export const DATA = join(projectRoot, "test/data");

/** The keys of every corpus message as an earlier build computed them. */
export interface GoldenKeys {
  build: { commit: string; options: { parseBytes: number; minWords: number; attachmentMinBytes: number } };
  /** Per corpus group, the digest of each message's keys in corpus order, space-separated. */
  groups: Record<string, string>;
}

/** As test/data/previous-version-data.ts digests a message's keys. */
export function keyDigest(direct: string, minhash: readonly number[] | null): string {
  const values = minhash === null ? "-" : minhash.join(",");
  return createHash("sha1").update(`${direct} ${values}`).digest("hex").slice(0, 8);
}

/** One version's keys of a fingerprint: an exact digest and MinHash values (null: none). */
export interface VersionKeys {
  direct: string;
  minhash: readonly number[] | null;
}

/** Fingerprint every corpus message the golden keys were made of as that build's options say, with the earlier
 * versions' keys; the files whose keys `keysOf` picks differ from the golden ones. `each` sees every fingerprint. */
export async function corpusKeysDiffering(
  golden: GoldenKeys,
  keysOf: (fingerprint: Fingerprint) => VersionKeys | undefined,
  each: (fingerprint: Fingerprint, keys: VersionKeys) => void = () => undefined,
): Promise<{ wrong: string[]; compared: number }> {
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
      const keys = result.status === "ok" ? keysOf(result.fingerprint) : undefined;
      assert.ok(result.status === "ok" && keys, `${message.file}: the earlier version's keys computed`);
      each(result.fingerprint, keys);
      if (keyDigest(keys.direct, keys.minhash) !== expected[i]) wrong.push(message.file);
      compared++;
    }
  }
  return { wrong, compared };
}

/** The Redis keys an earlier build's `floodgate block --like` wrote for each of its messages. */
export interface BlockFixture {
  generatedAt: number;
  prefix: string;
  commit: string;
  /** The messages blocked (a corpus path, or a path under test/) and what the command printed. */
  blocks: { message: string; block: string }[];
  keys: { key: string; pttl: number; dump: string }[];
}

export function readFixture(name: string): BlockFixture {
  return JSON.parse(readFileSync(join(DATA, name), "utf8")) as BlockFixture;
}

/** A blocked message's bytes, without an mbox envelope line. */
export function blockedMessage(path: string): Buffer {
  return stripEnvelopeLine(readFileSync(path.startsWith("test/") ? join(projectRoot, path) : join(corpusRoot, path)));
}

/** The id of the campaign a block printed ("blocked campaign <id> …"). */
export function blockedId(block: string): string {
  const id = /^blocked campaign ([0-9a-f]{12}) /.exec(block)?.[1];
  assert.ok(id, block);
  return id;
}

/** The campaign fields that hold times (ms since the epoch), moved to the test's clock. */
const TIME_FIELDS = ["first", "last", "blockUntil"];

/** Restore the keys of the fixture under `prefix`, the campaigns' times moved by the time since it was made. */
export async function restoreBlock(url: string, prefix: string, fixture: BlockFixture): Promise<void> {
  const redis = createRedis({ ...defaultConfig().redis, commandTimeoutMs: 30_000 }, url, "fastpath");
  const shift = Date.now() - fixture.generatedAt;
  const from = `${fixture.prefix}:{${fixture.prefix}}:`;
  try {
    if (redis.status !== "ready") await once(redis, "ready");
    for (const { key, pttl, dump } of fixture.keys) {
      assert.ok(key.startsWith(from), key);
      const renamed = `${prefix}:{${prefix}}:${key.slice(from.length)}`;
      await redis.restore(renamed, Math.max(0, pttl), Buffer.from(dump, "base64"));
      if (/:c:[0-9a-f]+$/.test(key)) {
        for (const field of TIME_FIELDS) {
          const value = Number(await redis.hget(renamed, field));
          if (value > 0) await redis.hset(renamed, field, String(value + shift));
        }
      }
    }
  } finally {
    redis.disconnect();
  }
}

/** A real Redis holding the keys an earlier build's blocks wrote (under a prefix of its own), and this build's daemon
 * on it, for the copies of the blocked messages to be sent to. */
export interface UpgradedStore {
  redis: TestRedis;
  daemon: DaemonProcess;
  stop(): Promise<void>;
}

export async function upgradedStore(fixture: BlockFixture, name: string): Promise<UpgradedStore> {
  const redis = await startTestRedis();
  try {
    const prefix = uniquePrefix(name);
    await restoreBlock(redis.url, prefix, fixture);
    const daemon = await startDaemonProcess({
      redis: { url: redis.url, prefix, commandTimeoutMs: 5_000 },
      queue: { enabled: false },
      worker: { processes: 0 },
      milter: { eomDeadlineMs: 10_000 },
      fingerprint: { taskTimeoutMs: 10_000 },
    });
    const stop = async () => {
      await daemon.stop();
      await redis.stop();
    };
    return { redis, daemon, stop };
  } catch (e) {
    await redis.stop();
    throw e;
  }
}

/** A copy of a message to another recipient, with its own Message-Id. */
export function copyTo(message: Buffer, n: number): Buffer {
  const text = message
    .toString("latin1")
    .replace(/^To: .*$/m, `To: reader${n}@example.org`)
    .replace(/^Message-Id: .*$/im, `Message-Id: <copy${n}@example.net>`);
  return Buffer.from(text, "latin1");
}

/** The X-Floodgate headers a transaction's message was given. */
export function floodgateHeaders(result: Awaited<ReturnType<MilterClient["transaction"]>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const m of result.eom?.modifications ?? []) {
    const header = m.kind === "addHeader" || m.kind === "insertHeader" || m.kind === "changeHeader";
    if (header && m.name?.startsWith("X-Floodgate-")) headers[m.name] = (m.value ?? "").trim();
  }
  return headers;
}
