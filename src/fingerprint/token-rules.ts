/**
 * What a token of text becomes in a fingerprint's words: a link the token of its registrable domain, and the limits
 * that drop long tokens and tracking ids. Shared by the tokenisers (./normalise.ts, ./ascii-words.ts). Pure: no I/O.
 */
import { urlDomain } from "./links.js";

/** The prefix of the token that stands for a URL: `urlhost_example.com`. */
export const URL_TOKEN_PREFIX = "urlhost_";
/** Tokens longer than this are dropped (encoded blobs, ids). */
export const MAX_TOKEN_LENGTH = 20;
/** Tokens mixing letters and digits are dropped from this length on (tracking ids, coupon codes). */
export const MIXED_TOKEN_MIN_DROP = 6;
/** How a link token starts. */
export const URL_START = /^(?:(?:https?|ftp):\/\/|www\.)/;

/** The word that stands for a link: its registrable domain after URL_TOKEN_PREFIX. */
export function linkToken(url: string): string {
  return URL_TOKEN_PREFIX + (urlDomain(url) ?? "");
}
