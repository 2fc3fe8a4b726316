/**
 * The bulk-hold allowlist: solicited bulk (newsletters, lists, known senders and networks) is never held.
 * A message is allowlisted by its envelope sender's domain, a DKIM signature that passed (from a trusted
 * Authentication-Results header, RFC 8601), its List-Id, or its client's network.
 */
import type { Config } from "../config/schema.js";
import type { Header } from "../vocabulary/mail.js";
import { createNetworkMatcher } from "../util/cidr.js";

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

/** One result of an Authentication-Results header: `dkim=pass header.d=example.com` → method, result, properties. */
export interface AuthResult {
  method: string;
  result: string;
  /** Lowercased property names (`header.d`, `reason`, …) to their values, quotes removed. */
  props: Record<string, string>;
}

/** A parsed Authentication-Results header. */
export interface AuthenticationResults {
  authservId: string;
  results: AuthResult[];
}

/** A header value as one line: folding undone. */
function unfold(value: string): string {
  return value.replace(/\r?\n/g, "").trim();
}

/** Remove RFC 5322 comments (nested parentheses), leaving quoted strings alone. */
function stripComments(text: string): string {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\\" && (quoted || depth > 0)) {
      if (depth === 0) out += c + (text[i + 1] ?? "");
      i++;
    } else if (quoted) {
      out += c;
      if (c === '"') quoted = false;
    } else if (c === "(") {
      depth++;
    } else if (c === ")" && depth > 0) {
      depth--;
      if (depth === 0) out += " ";
    } else if (depth === 0) {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}

/** Split on `;` outside quoted strings. */
function splitResinfo(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\\" && quoted) {
      current += c + (text[i + 1] ?? "");
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ";" && !quoted) {
      parts.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current.trim());
  return parts;
}

const PAIR = /([A-Za-z0-9_.-]+)(?:\/\d+)?\s*=\s*("(?:[^"\\]|\\.)*"|[^\s]+)/g;

/** Parse one Authentication-Results value; null when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthenticationResults | null {
  const [head, ...rest] = splitResinfo(stripComments(unfold(value)));
  const authservId = head?.split(/\s+/)[0] ?? "";
  if (authservId === "" || authservId.includes("=")) return null;
  const results: AuthResult[] = [];
  for (const part of rest) {
    const pairs = [...part.matchAll(PAIR)];
    const first = pairs[0];
    if (!first) continue;
    const props: Record<string, string> = {};
    for (const p of pairs.slice(1)) {
      const raw = p[2] as string;
      props[(p[1] as string).toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    }
    results.push({
      method: (first[1] as string).toLowerCase(),
      result: (first[2] as string).replace(/"/g, "").toLowerCase(),
      props,
    });
  }
  return { authservId, results };
}

/**
 * Domains of DKIM signatures that passed, from the trusted Authentication-Results headers: those whose
 * authserv-id is in `authservIds`, or when that is empty only the topmost one.
 */
export function dkimPassDomains(headers: readonly Header[], authservIds: readonly string[]): string[] {
  const trusted = new Set(authservIds.map((s) => s.toLowerCase()));
  const parsed = headers
    .filter((h) => h.name.toLowerCase() === "authentication-results")
    .map((h) => parseAuthenticationResults(h.value))
    .filter((r): r is AuthenticationResults => r !== null);
  const use = trusted.size > 0 ? parsed.filter((r) => trusted.has(r.authservId.toLowerCase())) : parsed.slice(0, 1);
  const domains: string[] = [];
  for (const ar of use) {
    for (const r of ar.results) {
      if (r.method !== "dkim" || r.result !== "pass") continue;
      const d = r.props["header.d"] ?? r.props["header.i"]?.replace(/^.*@/, "");
      if (d) domains.push(d.toLowerCase().replace(/\.$/, ""));
    }
  }
  return domains;
}

/** The list identifier of a List-Id header (RFC 2919): the part in angle brackets, lowercased. */
export function listIdOf(headers: readonly Header[]): string | null {
  const h = headers.find((x) => x.name.toLowerCase() === "list-id");
  if (!h) return null;
  const value = unfold(h.value);
  const m = /<([^>]+)>/.exec(value);
  const id = (m ? (m[1] as string) : value).trim().toLowerCase();
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
