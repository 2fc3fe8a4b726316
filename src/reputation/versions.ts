/**
 * Whether a store may still hold keys of the fingerprint versions before the current one (1 and 2), so that
 * fingerprints need their keys (`fingerprint.previousVersion`): the earlier keys cost the fingerprint threads about a
 * fifth of a fingerprint and Redis a fifth more per message that matches nothing, only to find campaigns of before an
 * upgrade. The store keeps a record, per version, of until when its keys can live (`CampaignKeys.versions`: every
 * observation keeps its version's, a block the versions of the keys it keeps alive). An earlier release wrote no
 * record, so where a version has none, or its keys were found before and should have expired by now, the store's
 * keys are looked through (SCAN, off the mail path) for that version's: found, they are taken to live one campaign
 * ttl more and looked for again then (an earlier release's block, or a host of it still writing, keeps them); not
 * found, the record says 0, and no key of that version is looked for again (a host of that version that starts
 * writing to the store afterwards is not noticed: see the README's "Upgrades").
 */
import { Cluster, type Redis } from "ioredis";
import { loadScript, runScript } from "./scripts.js";
import type { CampaignKeys } from "./keys.js";

const record = loadScript("recordVersions-1.lua");

/** The earlier versions and the key families (after the key base) each wrote: exact keys and the value index. */
export const EARLIER_VERSIONS: readonly { version: number; families: readonly string[] }[] = [
  { version: 1, families: ["d:", "sh:"] },
  { version: 2, families: ["d2:", "m2:"] },
];

/** Keys asked of Redis per SCAN call. */
const SCAN_COUNT = 1000;

/**
 * Whether keys of an earlier fingerprint version may live in the store now: by its record, else by looking for them
 * (and recording what was found). `ttlMs`: the campaign ttl.
 */
export async function earlierVersionsLive(
  redis: Redis | Cluster,
  keys: CampaignKeys,
  ttlMs: number,
  now = Date.now(),
): Promise<boolean> {
  const recorded = await redis.hmget(keys.versions, ...EARLIER_VERSIONS.map((v) => String(v.version)));
  const unknown = EARLIER_VERSIONS.filter((_, i) => {
    const until = recorded[i] == null ? null : Number(recorded[i]);
    return until === null || !Number.isFinite(until) || (until > 0 && until <= now);
  });
  if (unknown.length > 0) {
    const found = await versionsFound(redis, keys.base, unknown);
    const args = unknown.flatMap((v) => [String(v.version), String(found.has(v.version) ? now + ttlMs : 0)]);
    await runScript(redis, record, [keys.versions], [now, ...args]);
  }
  const after = await redis.hmget(keys.versions, ...EARLIER_VERSIONS.map((v) => String(v.version)));
  return after.some((until) => Number(until ?? "0") > now);
}

/** The versions of `wanted` some key of which is in the store: a SCAN of every master (the store's keys share one
 * slot, so one of them holds them), stopped once all are found. */
async function versionsFound(
  redis: Redis | Cluster,
  base: string,
  wanted: readonly { version: number; families: readonly string[] }[],
): Promise<Set<number>> {
  const found = new Set<number>();
  const nodes = redis instanceof Cluster ? redis.nodes("master") : [redis];
  const match = `${base.replace(/[*?[\]\\]/g, "\\$&")}*`;
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, names] = await node.scan(cursor, "MATCH", match, "COUNT", SCAN_COUNT);
      cursor = next;
      for (const name of names) {
        const rest = name.slice(base.length);
        for (const v of wanted) if (v.families.some((f) => rest.startsWith(f))) found.add(v.version);
      }
    } while (cursor !== "0" && found.size < wanted.length);
  }
  return found;
}
