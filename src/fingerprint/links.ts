/**
 * Link domains: the registrable domain (public-suffix aware, `tldts`) of every http(s)/ftp link found in the text
 * and in the HTML `href` attributes of a message. Pure: no I/O.
 */
import { getDomain, getHostname } from "tldts";

const TEXT_URL = /(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`()[\]{}|\\^]+/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const LINK_SCHEME = /^\s*(?:(?:https?|ftp):\/\/|www\.)/i;

/** The registrable domain of a URL (`www.shop.example.co.uk/x` → `example.co.uk`), its host when it has none
 * (an IP address, `localhost`), or null when no host can be read. */
export function urlDomain(url: string): string | null {
  const domain = getDomain(url) ?? getHostname(url);
  return domain ? domain.toLowerCase() : null;
}

/** Distinct link domains kept at most (the first found): a fingerprint stays small whatever a message links to. */
export const MAX_LINK_DOMAINS = 100;

/** The link domains of a text part and an HTML part (either may be empty), sorted and unique, at most
 * MAX_LINK_DOMAINS of them. */
export function linkDomains(text: string, html: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(TEXT_URL)) {
    if (found.size >= MAX_LINK_DOMAINS) break;
    const domain = urlDomain(match[0]);
    if (domain) found.add(domain);
  }
  for (const match of html.matchAll(HREF)) {
    if (found.size >= MAX_LINK_DOMAINS) break;
    const href = (match[1] ?? match[2] ?? match[3] ?? "").replace(/&amp;/gi, "&");
    if (!LINK_SCHEME.test(href)) continue;
    const domain = urlDomain(href.trim());
    if (domain) found.add(domain);
  }
  return [...found].sort();
}
