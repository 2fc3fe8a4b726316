/**
 * The campaign store's key names. Every key carries the hash tag `{<prefix>}`, so all of one Floodgate
 * deployment's fast-path keys hash to one Redis Cluster slot (see store.ts for why).
 */

/** The key names of one prefix. */
export interface CampaignKeys {
  /** The key base every key starts with: `<prefix>:{<prefix>}:`. */
  readonly base: string;
  /** Exact-digest key: digest → campaign id. */
  direct(digest: string): string;
  /** Shingle key: MinHash value `value` at position `index` → campaign id. */
  shingle(index: number, value: number): string;
  /** The campaign hash. */
  campaign(id: string): string;
  /** The sorted set of campaigns by last seen (Unix ms). */
  readonly top: string;
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
    direct: (digest) => `${base}d:${digest}`,
    shingle: (index, value) => `${base}sh:${index}:${value}`,
    campaign: (id) => `${base}c:${id}`,
    top: `${base}top`,
    hot: (bucket) => `${base}hot:${bucket}`,
    verdictChannel: `${prefix}:verdicts`,
  };
}

/** Campaign ids are 12 lowercase hex digits. */
export const CAMPAIGN_ID = /^[0-9a-f]{12}$/;
