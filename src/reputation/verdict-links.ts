/**
 * What a scanner's ham verdict covers beyond its campaign's text: the links of the copies it judged (README, "What a
 * ham verdict covers"), the registrable domains their text and HTML link to. Attachments are not among them: copies
 * of legitimate bulk mail often carry one of their own (an invoice, a ticket), and each such copy would stand
 * unscanned. The store keeps the links with the verdict (lua/includes/verdictLinks.lua); the policy compares each
 * copy's with them (src/policy/link-cover.ts).
 */
import { MAX_LINK_DOMAINS } from "../fingerprint/links.js";
import type { Fingerprint } from "../fingerprint/types.js";

/** Links a verdict's list keeps at most (LINKS_KEPT of lua/includes/verdictLinks.lua). */
export const LINKS_KEPT = 256;

/** A copy's links, and whether they are all known: the fingerprint keeps MAX_LINK_DOMAINS domains at most, so a copy
 * with that many may link elsewhere too. */
export interface CopyLinks {
  links: readonly string[];
  complete: boolean;
}

/** A fingerprint's links. The store's lists are space-separated: a hostname holds no space, and none is kept. */
export function copyLinks(fp: Pick<Fingerprint, "linkDomains">): CopyLinks {
  return {
    links: fp.linkDomains.map((domain) => domain.replace(/\s+/g, "")),
    complete: fp.linkDomains.length < MAX_LINK_DOMAINS,
  };
}
