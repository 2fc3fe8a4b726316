/**
 * Floodgate's own headers: the status header (`milter.statusHeader`), X-Floodgate-Campaign, and any other
 * X-Floodgate-* name. Only Floodgate writes them: every incoming header of those names is removed, whatever the
 * outcome (src/session/labels.ts in the engines, native/shim/sessions.c when the shim applies the fail mode itself).
 */

/** The header carrying the campaign id and counts. */
export const CAMPAIGN_HEADER = "X-Floodgate-Campaign";

/** Every header whose name starts with this (in any case) is Floodgate's. */
export const OWN_HEADER_PREFIX = "X-Floodgate-";

const PREFIX_LOWER = OWN_HEADER_PREFIX.toLowerCase();

/** True when `name` is one of Floodgate's own headers; `statusHeader` is the configured status header name. */
export function isOwnHeader(name: string, statusHeader: string): boolean {
  if (name.length >= PREFIX_LOWER.length && name.slice(0, PREFIX_LOWER.length).toLowerCase() === PREFIX_LOWER)
    return true;
  return name.length === statusHeader.length && name.toLowerCase() === statusHeader.toLowerCase();
}
