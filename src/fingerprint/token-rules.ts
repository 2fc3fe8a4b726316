/**
 * What a token of text becomes in a fingerprint's words: a link the token of its registrable domain, and the limits
 * that drop long tokens and tracking ids. Shared by the tokenisers (./normalise.ts, ./ascii-words.ts). Pure: no I/O.
 */
import { urlDomain } from "./links.js";

/** The prefix of the token that stands for a URL: `urlhost_example.com`. */
export const URL_TOKEN_PREFIX = "urlhost_";
/** Tokens longer than this are dropped (encoded blobs, ids). */
export const MAX_TOKEN_LENGTH = 20;
/** Tokens mixing letters and digits are dropped from this length on (tracking ids, coupon codes), unless they are
 * one word and one number (`mixedToken`). */
export const MIXED_TOKEN_MIN_DROP = 6;

/**
 * A token mixing letters and digits, given with its digits folded to `#`: kept so when it is short, or when it is a
 * word and a number side by side (`user10`, `ref20261204`, `1000mg`: one `#` at one end), whatever the number's
 * length, so that "Dear user9" and "Dear user10" give one word; dropped otherwise from MIXED_TOKEN_MIN_DROP
 * characters on (ids that interleave letters and digits). Fingerprint version 1 dropped every such token from that
 * length on (./previous-tokens.ts).
 */
export function mixedToken(length: number, folded: string): string | null {
  if (length < MIXED_TOKEN_MIN_DROP) return folded;
  const hash = folded.indexOf("#");
  const oneNumber = hash === folded.lastIndexOf("#") && (hash === 0 || hash === folded.length - 1);
  return oneNumber ? folded : null;
}
/** How a link token starts. */
export const URL_START = /^(?:(?:https?|ftp):\/\/|www\.)/;

/** The word that stands for a link: its registrable domain after URL_TOKEN_PREFIX. */
export function linkToken(url: string): string {
  return URL_TOKEN_PREFIX + (urlDomain(url) ?? "");
}
