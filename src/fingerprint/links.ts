/**
 * Link domains: the registrable domain (public-suffix aware, `tldts`) of every http(s)/ftp link found in the text
 * and in the HTML `href` attributes of a message. Pure: no I/O.
 */
import { getDomain, getHostname } from "tldts";
import { detachedString } from "../util/detached-string.js";

const TEXT_URL = /(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`()[\]{}|\\^]+/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const LINK_SCHEME = /^\s*(?:(?:https?|ftp):\/\/|www\.)/i;

/** The registrable domain of a URL (`www.shop.example.co.uk/x` → `example.co.uk`), its host when it has none
 * (an IP address, `localhost`), or null when no host can be read. */
export function urlDomain(url: string): string | null {
  if (url.length > MAX_REMEMBERED_URL) return readDomain(url);
  let domain = remembered.get(url);
  if (domain === undefined) {
    domain = readDomain(url);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    // Both may be views into the message's text (../util/detached-string.ts), which the entry would keep alive.
    remembered.set(detachedString(url), domain === null ? null : detachedString(domain));
  }
  return domain;
}

function readDomain(url: string): string | null {
  const domain = getDomain(url) ?? getHostname(url);
  return domain ? domain.toLowerCase() : null;
}

// A message names each of its links in its text, its HTML and its words, and a campaign the same links in every
// copy: the domains of the URLs read lately are remembered (per thread, bounded, forgotten all at once when full).
const MAX_REMEMBERED = 1024;
/** URLs longer than this are not remembered (the memory stays bounded by entries × this). */
const MAX_REMEMBERED_URL = 512;
const remembered = new Map<string, string | null>();

/** Distinct link domains kept at most (the first found): a fingerprint stays small whatever a message links to. */
export const MAX_LINK_DOMAINS = 100;

/** The link domains of a text part and an HTML part (either may be empty), sorted and unique, at most
 * MAX_LINK_DOMAINS of them. */
export function linkDomains(text: string, html: string): string[] {
  const found = new Set<string>();
  // exec with lastIndex rather than matchAll: no iterator and no copy of the expression per call
  TEXT_URL.lastIndex = 0;
  for (let match = TEXT_URL.exec(text); match !== null; match = TEXT_URL.exec(text)) {
    if (found.size >= MAX_LINK_DOMAINS) break;
    const domain = urlDomain(match[0]);
    if (domain) found.add(domain);
  }
  if (html === "") return [...found].sort();
  HREF.lastIndex = 0;
  for (let match = HREF.exec(html); match !== null; match = HREF.exec(html)) {
    if (found.size >= MAX_LINK_DOMAINS) break;
    const href = (match[1] ?? match[2] ?? match[3] ?? "").replace(/&amp;/gi, "&");
    if (!LINK_SCHEME.test(href)) continue;
    const domain = urlDomain(href.trim());
    if (domain) found.add(domain);
  }
  return [...found].sort();
}
