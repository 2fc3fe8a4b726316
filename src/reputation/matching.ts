/**
 * Matching a fingerprint to its campaign. `observe` is the hot path: one atomic Lua script (observeMessage-3.lua),
 * one round trip. It looks the sampled MinHash values up (a quarter of them, lua/includes/sampledIndex.lua: their
 * keys in the version's value index, `m<version>:<value>`, else the generation hashes a campaign's first copy
 * writes them to: lua/includes/valueIndex.lua → the campaigns that hold the value), joins a campaign two of them
 * name when the whole sketch and the campaign's kept sketches share `campaigns.matchShare` of the values not common
 * to many campaigns, and merges the campaigns a copy matches together (never one carrying a person's decision); else the campaign of
 * the exact key (`d<version>:<digest>`); else the one the earlier fingerprint versions' keys point to (while
 * fingerprints carry them: a campaign of before an upgrade, keyed by this version from then on); else it starts a
 * new campaign (id: the first 12 hex of SHA-1 of the digest). Then it points the values and the exact key at the
 * campaign, counts the copy and returns the campaign's view. Exact keys carry the fingerprint version
 * (src/fingerprint/types.ts), and versions with another MinHash another value index (./keys.ts). `lookup` and
 * `match` find the same campaign without counting the copy.
 */
import type { Fingerprint } from "../fingerprint/types.js";
import { cleanSubject, distinctRecipients, fingerprintArgs, limitsArg } from "./observe-args.js";
import { parseObserved, parseView } from "./replies.js";
import { runScript } from "./scripts.js";
import { scripts, type StoreContext } from "./store-context.js";
import type { CampaignMatch, CampaignStore, CampaignView, Observation, ObservedCampaign } from "./types.js";

/** The store's operations that match a fingerprint. */
export function matchingOperations(ctx: StoreContext): Pick<CampaignStore, "observe" | "lookup" | "match"> {
  const { redis, keys } = ctx;
  return {
    async observe(o: Observation): Promise<ObservedCampaign> {
      const c = ctx.settings();
      const now = o.now ?? Date.now();
      const recipients = distinctRecipients(o.recipients);
      const fp = o.fingerprint;
      const raw = await runScript(
        redis,
        scripts.observe,
        [keys.direct(fp.version, fp.direct), keys.top, keys.base],
        [
          now,
          c.windowSeconds,
          ctx.buckets,
          c.ttlSeconds,
          c.matchShare,
          c.bulk.copies,
          c.bulk.recipients,
          c.bulk.senders,
          fp.direct,
          cleanSubject(fp.subject),
          o.sender.trim().toLowerCase(),
          o.clientIp ?? "",
          limitsArg(c),
          ...fingerprintArgs(fp, keys),
          recipients.length,
          ...recipients,
        ],
      );
      return parseObserved(raw);
    },

    async lookup(fp: Fingerprint, now = Date.now()): Promise<CampaignView | null> {
      const c = ctx.settings();
      const raw = await runScript(
        redis,
        scripts.lookup,
        [keys.direct(fp.version, fp.direct), keys.base],
        [now, ...ctx.windowArgs(c), c.matchShare, limitsArg(c), ...fingerprintArgs(fp, keys)],
      );
      return raw === null ? null : parseView(raw);
    },

    async match(fp: Fingerprint): Promise<CampaignMatch | null> {
      const c = ctx.settings();
      const raw = await runScript(
        redis,
        scripts.match,
        [keys.direct(fp.version, fp.direct), keys.base],
        [Date.now(), c.matchShare, limitsArg(c), ...fingerprintArgs(fp, keys)],
      );
      if (!Array.isArray(raw)) return null;
      const [id, foundBy, matched] = raw as [string, CampaignMatch["foundBy"], string[]];
      return { id, foundBy, matched };
    },
  };
}
