/**
 * The arguments of the scripts that match a fingerprint (observeMessage-3.lua, lookupCampaign-2.lua,
 * matchFingerprint-2.lua): the store's limits, a fingerprint's keys and values, and the envelope cleaned and capped,
 * so that one observation's arguments stay bounded whatever a sender writes.
 */
import type { Config } from "../config/schema.js";
import { MIN_VOTES } from "../fingerprint/minhash.js";
import { PREVIOUS_VOTES } from "../fingerprint/previous-version.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { sampleText } from "../fingerprint/value-sample.js";
import { decimals } from "../fingerprint/value-text.js";
import { sketchArg } from "../fingerprint/packed-values.js";
import { MAX_OBSERVED_RECIPIENTS } from "../vocabulary/policy-api.js";
import type { CampaignKeys } from "./keys.js";

/** Campaigns a MinHash value's key names at most; a value held by this many is common text (a list's footer, a
 * template) and counts for none. */
export const VALUE_OWNERS = 8;
/** Index values one campaign claims at most (eight copies' worth: the index holds a quarter of each sketch,
 * lua/includes/sampledIndex.lua): salted copies bring new values with every copy, and the campaign's own text is
 * claimed by its first copies. */
export const MAX_CLAIMS = 256;
/** Campaigns one copy merges at most. */
export const MAX_MERGES = 4;
/** A campaign seen once keeps its MinHash values this many windows, up to twice as long (a second copy gives them
 * the campaign ttl): most messages are seen once, and their values are most of the store. */
export const SINGLE_WINDOWS = 2;

/** How long the values of a campaign seen once live at least, ms (the length of a generation of them:
 * lua/includes/valueIndex.lua). */
export function singleMs(c: Config["campaigns"]): number {
  return SINGLE_WINDOWS * c.windowSeconds * 1000;
}

/** Clocks of the hosts sharing a store may differ by this much at most, ms. */
const CLOCK_MARGIN_MS = 3_600_000;

/** A campaign last seen (by its entry in the list of campaigns by last seen) within this long is live for certain,
 * ms: it lives the ttl after its last copy, less the clock margin (lua/includes/resolveCampaign.lua). */
export function recentMs(c: Config["campaigns"]): number {
  return Math.max(0, c.ttlSeconds * 1000 - CLOCK_MARGIN_MS);
}

/** The limits argument of each settings object met (a reload makes a new one). */
const limitsOf = new WeakMap<Config["campaigns"], string>();

/** The store's limits in one argument (observeMessage-3.lua ARGV[13]), joined once per settings object. */
export function limitsArg(c: Config["campaigns"]): string {
  let limits = limitsOf.get(c);
  if (limits === undefined) {
    limits = [MIN_VOTES, VALUE_OWNERS, MAX_CLAIMS, MAX_MERGES, PREVIOUS_VOTES, singleMs(c), recentMs(c)].join(" ");
    limitsOf.set(c, limits);
  }
  return limits;
}

/** The script arguments of a fingerprint's keys: the values' key prefix, the values packed (the sketch a new
 * campaign keeps, written as is: ../fingerprint/packed-values.ts; "" when there are none), the sample of them the
 * value index holds (../fingerprint/value-sample.ts: the scripts take the sample as given and look its values up by
 * their decimal text, lua/includes/sampledIndex.lua), then the earlier versions' keys (lua/includes/findEarlier.lua):
 * version 2's values and exact digest, version 1's; those values each as one space-separated argument
 * (lua/includes/readArgs.lua). The current ones, their sample and version 2's as the thread that made the
 * fingerprint wrote them when it did. */
export function fingerprintArgs(fp: Fingerprint, keys: CampaignKeys): (string | Buffer)[] {
  const minhash = fp.minhash ?? [];
  return [
    keys.valuePrefix(fp.version),
    sketchArg(minhash, fp.minhashPacked),
    fp.sampleText ?? sampleText(minhash),
    fp.version2Text ?? decimals(fp.version2?.minhash ?? []),
    fp.version2?.direct ?? "",
    decimals((fp.previous?.minhash ?? []).map((v) => v >>> 0)),
    fp.previous?.direct ?? "",
  ];
}

/** The first MAX_OBSERVED_RECIPIENTS distinct recipients, trimmed and lowercased. */
export function distinctRecipients(recipients: readonly string[]): string[] {
  const distinct = new Set<string>();
  for (const recipient of recipients) {
    if (distinct.size >= MAX_OBSERVED_RECIPIENTS) break;
    const address = recipient.trim().toLowerCase();
    if (address !== "") distinct.add(address);
  }
  return [...distinct];
}

/** A subject on one line, at most 200 characters. */
export function cleanSubject(subject: string): string {
  return subject
    .replace(/[\r\n\t]+/g, " ")
    .trim()
    .slice(0, 200);
}
