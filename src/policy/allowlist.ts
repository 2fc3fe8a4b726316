/**
 * The bulk-hold allowlist: solicited bulk (newsletters, lists, known senders and networks) is never held.
 * A message is allowlisted by its envelope sender's domain, a DKIM signature that passed (from a trusted
 * Authentication-Results header, RFC 8601: ./auth-results.ts), its List-Id, or its client's network. Headers are
 * the sender's to write: each is read in one pass, and only as much of it as an honest one needs.
 */
import type { Config } from "../config/schema.js";
import type { Header } from "../vocabulary/mail.js";
import { createNetworkMatcher } from "../util/cidr.js";
import { dkimPassDomains } from "./auth-results.js";

/** Why a message is allowlisted. */
export type AllowReason = "sender-domain" | "dkim-domain" | "list-id" | "client-network";

/** What the allowlist looks at. */
export interface AllowlistInput {
  /** The envelope sender ("" for the null sender). */
  sender: string;
  headers: readonly Header[];
  clientAddress: string | null;
}

/** A compiled allowlist. */
export interface Allowlist {
  /** The first rule that matches, or null. */
  match(input: AllowlistInput): AllowReason | null;
}

/** Characters of a List-Id value read at most (a list identifier is a domain name: at most 255). */
const MAX_LIST_ID_CHARS = 1024;

/** The list identifier of a List-Id header (RFC 2919): the part in angle brackets, lowercased. */
export function listIdOf(headers: readonly Header[]): string | null {
  const h = headers.find((x) => x.name.toLowerCase() === "list-id");
  if (!h) return null;
  const value = h.value.slice(0, MAX_LIST_ID_CHARS).replace(/\r?\n/g, "");
  const open = value.indexOf("<");
  const close = open < 0 ? -1 : value.indexOf(">", open + 1);
  const id = (close > open + 1 ? value.slice(open + 1, close) : value).trim().toLowerCase();
  return id === "" ? null : id;
}

/** The domain of an address, lowercased; null for the null sender or an address without one. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at < 0 || at === address.length - 1) return null;
  return address
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, "");
}

/** True when `name` is `entry` or a subdomain of it (entries are compared lowercased, without a leading dot). */
export function domainMatches(name: string, entry: string): boolean {
  const e = entry.trim().toLowerCase().replace(/^\./, "").replace(/\.$/, "");
  const n = name.toLowerCase();
  return e !== "" && (n === e || n.endsWith(`.${e}`));
}

/** Compile the `policy.allowlist` section; throws on a malformed client network. */
export function compileAllowlist(config: Config["policy"]["allowlist"]): Allowlist {
  const networks = createNetworkMatcher(config.clientNetworks);
  const authservIds = config.authservIds ?? [];
  return {
    match(input) {
      const senderDomain = domainOf(input.sender);
      if (senderDomain && config.senderDomains.some((e) => domainMatches(senderDomain, e))) return "sender-domain";
      if (config.dkimDomains.length > 0) {
        const domains = dkimPassDomains(input.headers, authservIds);
        if (domains.some((d) => config.dkimDomains.some((e) => domainMatches(d, e)))) return "dkim-domain";
      }
      if (config.listIds.length > 0) {
        const id = listIdOf(input.headers);
        if (id && config.listIds.some((e) => domainMatches(id, e.replace(/^<|>$/g, "")))) return "list-id";
      }
      if (networks.matches(input.clientAddress)) return "client-network";
      return null;
    },
  };
}
