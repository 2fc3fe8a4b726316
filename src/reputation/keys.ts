/**
 * The campaign store's key names. Every key carries the hash tag `{<prefix>}`, so all of one Floodgate
 * deployment's fast-path keys hash to one Redis Cluster slot (see store.ts for why).
 */

/** The key names of one prefix. */
export interface CampaignKeys {
  /** The key base every key starts with: `<prefix>:{<prefix>}:`. */
  readonly base: string;
  /** Exact key of a fingerprint version: digest → campaign id. Version 1's is `d:<digest>`. */
  direct(version: number, digest: string): string;
  /** What a MinHash value's key is made of after the base: `m<version>:` then the value (→ the ids of the
   * campaigns that hold it). Version 1 keyed a value by its position (`sh:<index>:<value>` → one campaign id). Each
   * released version keeps the index it wrote, so a store written by any release is read by the next: an earlier
   * version's campaigns are looked up in its own index with its own values (lua/includes/findEarlier.lua). */
  valuePrefix(version: number): string;
  /** The campaign hash (its fields: CAMPAIGN_FIELDS). */
  campaign(id: string): string;
  /** The sketch of a campaign seen once, kept apart from its hash for as long as its index values can be read
   * (lua/includes/sampledIndex.lua); its hash's field `valuesApart` says so. */
  sketch(id: string): string;
  /** A campaign's history: a list of JSON lines, newest first, capped. */
  history(id: string): string;
  /** A campaign's reports: a hash of reporter → "spam" | "ham". */
  reports(id: string): string;
  /** One reporter's reports in one hour (the rate limit), by a digest of the address. */
  reportRate(reporterDigest: string, hour: number): string;
  /** The sorted set of campaigns by last seen (Unix ms). */
  readonly top: string;
  /** The fingerprint versions whose keys the store may hold: a hash of version → Unix ms until which that
   * version's keys can live (0: none were found when last looked for). Written by the observations of each
   * version, by blocks (which keep keys alive) and by earlierVersionsLive (./versions.ts). */
  readonly versions: string;
  /** The sorted set of campaigns by copies in one time bucket (the busiest list is their union). */
  hot(bucket: number): string;
  /** The pub/sub channel of verdicts (a channel, not a key: no hash tag needed). */
  readonly verdictChannel: string;
}

/** Key names for a prefix such as "fg". */
export function campaignKeys(prefix: string): CampaignKeys {
  const base = `${prefix}:{${prefix}}:`;
  return {
    base,
    direct: (version, digest) => (version === 1 ? `${base}d:${digest}` : `${base}d${version}:${digest}`),
    valuePrefix: (version) => (version === 1 ? "sh:" : `m${version}:`),
    campaign: (id) => `${base}c:${id}`,
    sketch: (id) => `${base}c:${id}:k`,
    history: (id) => `${base}c:${id}:h`,
    reports: (id) => `${base}c:${id}:rep`,
    reportRate: (digest, hour) => `${base}rl:${digest}:${hour}`,
    top: `${base}top`,
    versions: `${base}versions`,
    hot: (bucket) => `${base}hot:${bucket}`,
    verdictChannel: `${prefix}:verdicts`,
  };
}

/** Campaign ids are 12 lowercase hex digits. */
export const CAMPAIGN_ID = /^[0-9a-f]{12}$/;

/**
 * The campaign hash's fields, in one place: the Lua scripts use these names (includes/campaignView.lua reads them,
 * includes/personDecision.lua says which of them are a person's decision).
 */
export const CAMPAIGN_FIELDS = {
  /** Counting: first and last seen (Unix ms), copies ever, copies since the last scan was queued, and when. */
  first: "first",
  last: "last",
  total: "total",
  since: "since",
  scanAt: "scanAt",
  subject: "subject",
  /** What matches copies to it, kept alive by a block: under fingerprint version 1 its exact digest and the
   * MinHash values of its first copy; under the current version its exact key, the values of its first copy and
   * their key prefix. */
  direct: "direct",
  minhash: "minhash",
  directKey: "direct2",
  values: "minhash2",
  valuePrefix: "prefix2",
  /** Set while the values of its first copy are kept apart (CampaignKeys.sketch), not in `values`. */
  valuesApart: "ks",
  /** The kept sketches of campaigns merged into it (and its own earlier one of this version), verified on beside
   * its own (lua/includes/sampledIndex.lua). */
  mergedValues: ["minhash2m1", "minhash2m2", "minhash2m3"],
  /** MinHash values whose owner lists it joined (capped: campaigns.maxClaims). */
  claims: "claims",
  /** Campaigns merged into it; on a campaign merged into another, the id of that one (all it keeps). */
  merged: "merged",
  alias: "alias",
  /** Unix ms when it last crossed a bulk threshold. */
  bulkSince: "bulkSince",
  /** The scanner's verdict: spam | ham | unsure, score, scanner, threshold, top rules (comma-separated), Unix ms. */
  verdict: "v",
  verdictScore: "vScore",
  verdictScanner: "vScanner",
  verdictThreshold: "vThreshold",
  verdictRules: "vRules",
  verdictAt: "vAt",
  /** A person's decision: a block in force (Unix ms, and who). */
  blockUntil: "blockUntil",
  blockBy: "blockBy",
  /** A person's decision: spam | ham, how (report | pin | reporters), by whom, why, Unix ms. */
  decision: "d",
  decisionHow: "dHow",
  decisionBy: "dBy",
  decisionWhy: "dWhy",
  decisionAt: "dAt",
  /** Mailbox users whose report stands, per label (the reporters themselves: the `reports` hash). */
  reportsSpam: "rSpam",
  reportsHam: "rHam",
} as const;
