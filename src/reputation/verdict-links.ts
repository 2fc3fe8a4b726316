/**
 * What a scanner's ham verdict covers beyond its campaign's text (README, "What a ham verdict covers"): the links of
 * the copies it judged, the registrable domains their text and HTML link to, and the kinds of their attachments
 * (src/fingerprint/attachment-kinds.ts), written `attachment:<kind>`. Not the attachments themselves: copies of
 * legitimate bulk mail often carry one of their own (an invoice, a ticket), and each such copy would stand unscanned;
 * their kind is the same from copy to copy. The store keeps the links with the verdict (lua/includes/verdictLinks.lua);
 * the policy compares each copy's with them (src/policy/link-cover.ts).
 */
import { MAX_ATTACHMENT_KINDS } from "../fingerprint/attachment-kinds.js";
import { MAX_LINK_DOMAINS } from "../fingerprint/links.js";
import type { Fingerprint } from "../fingerprint/types.js";

/** Links a verdict's list keeps at most (LINKS_KEPT of lua/includes/verdictLinks.lua). */
export const LINKS_KEPT = 256;

/** What a copy's links are read from. */
export type LinkSource = Pick<Fingerprint, "linkDomains" | "attachmentKinds" | "truncated" | "limit">;

/** A copy's links, and whether they are all known. */
export interface CopyLinks {
  links: readonly string[];
  complete: boolean;
}

/** What marks an attachment's kind among a copy's links: a hostname holds no colon, so neither can be taken for the
 * other. */
export const ATTACHMENT_LINK_PREFIX = "attachment:";

/**
 * A fingerprint's links. They are not all known when the fingerprint kept as many link domains or attachment kinds
 * as it keeps (there may be more), or when the parse did not read the whole message (cut at the bytes parsed, or
 * stopped at a limit): a part past where it stopped may link or attach anything. The store's lists are
 * space-separated: a hostname holds no space, and none is kept.
 */
export function copyLinks(fp: LinkSource): CopyLinks {
  const links = fp.linkDomains.map((domain) => domain.replace(/\s+/g, ""));
  // A kind never holds a space (src/fingerprint/attachment-kinds.ts).
  for (const kind of fp.attachmentKinds) links.push(ATTACHMENT_LINK_PREFIX + kind);
  const complete =
    fp.linkDomains.length < MAX_LINK_DOMAINS &&
    fp.attachmentKinds.length < MAX_ATTACHMENT_KINDS &&
    !fp.truncated &&
    fp.limit === null;
  return { links, complete };
}
