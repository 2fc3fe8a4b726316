/**
 * Authentication-Results headers (RFC 8601) as the allowlist reads them: the authserv-id and each result's method,
 * result and properties, and from those the domains of DKIM signatures that passed. The header is the sender's to
 * write (only the topmost ones are added by the receiving MTA), so every step is one pass over its characters, no
 * regular expression that can backtrack, and only the first headers, cut at MAX_VALUE_CHARS, are read.
 */
import type { Header } from "../vocabulary/mail.js";

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

/** Authentication-Results headers read at most, from the top: the trusted ones are added by the nearest MTAs. */
export const MAX_HEADERS = 16;
/** Characters of one header value read at most (a real one, with a dozen results, is a few hundred). */
export const MAX_VALUE_CHARS = 16 * 1024;

/** Remove RFC 5322 comments (nested parentheses) and line breaks, leaving quoted strings alone. */
function stripComments(text: string): string {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0; // start of the run of characters kept as they are
  const keepTo = (i: number) => {
    if (i > from) out.push(text.slice(from, i));
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && (quoted || depth > 0)) {
      i++; // the escaped character goes with the backslash (kept in a quoted string, dropped in a comment)
    } else if (c === "\r" || c === "\n") {
      if (depth === 0) keepTo(i);
      from = i + 1;
    } else if (quoted) {
      if (c === '"') quoted = false;
    } else if (c === "(") {
      if (depth === 0) keepTo(i);
      depth++;
    } else if (c === ")" && depth > 0) {
      depth--;
      if (depth === 0) {
        out.push(" ");
        from = i + 1;
      }
    } else if (depth === 0 && c === '"') quoted = true;
  }
  if (depth === 0) keepTo(text.length);
  return out.join("");
}

/** Split on `;` outside quoted strings. */
function splitResinfo(text: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ";" && !quoted) {
      parts.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  parts.push(text.slice(from).trim());
  return parts;
}

function isNameChar(c: number): boolean {
  // A-Z a-z 0-9 _ . -
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x2d
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * The `name=value` pairs of one resinfo, in order: a name of letters, digits, `_`, `.` and `-` (a method's `/1`
 * version dropped), `=` with optional spaces around it, and a quoted string (escapes kept) or a run of non-spaces.
 * Anything else is skipped. Each character is looked at a bounded number of times.
 */
export function pairsOf(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    const nameStart = i;
    while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
    if (i === nameStart) {
      i++; // not a name: the next character may start one
      continue;
    }
    const name = text.slice(nameStart, i);
    let j = i;
    if (text[j] === "/") {
      let k = j + 1;
      while (k < text.length && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) k++;
      if (k > j + 1) j = k;
    }
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text[j] !== "=") continue; // i is past the name: no position inside it starts a pair either
    j++;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (j >= text.length) break;
    const valueEnd = text[j] === '"' ? quotedEnd(text, j) : -1;
    const end = valueEnd >= 0 ? valueEnd : nonSpaceEnd(text, j);
    pairs.push([name, text.slice(j, end)]);
    i = end;
  }
  return pairs;
}

/** The index after the closing quote of the quoted string opening at `start`, or -1 when it is not closed. */
function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

function nonSpaceEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** A quoted value without its quotes and escapes; any other value as it is. */
function unquote(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const out: string[] = [];
  for (let i = 1; i < raw.length - 1; i++) {
    if (raw[i] === "\\" && i + 1 < raw.length - 1) i++;
    out.push(raw[i]!);
  }
  return out.join("");
}

/** Parse one Authentication-Results value (cut at MAX_VALUE_CHARS); null when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthenticationResults | null {
  const cut = value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
  const [head, ...rest] = splitResinfo(stripComments(cut).trim());
  const authservId = head === undefined ? "" : head.slice(0, nonSpaceEnd(head, 0));
  if (authservId === "" || authservId.includes("=")) return null;
  const results: AuthResult[] = [];
  for (const part of rest) {
    const [first, ...others] = pairsOf(part);
    if (!first) continue;
    const props: Record<string, string> = {};
    for (const [name, raw] of others) props[name.toLowerCase()] = unquote(raw);
    results.push({ method: first[0].toLowerCase(), result: first[1].replaceAll('"', "").toLowerCase(), props });
  }
  return { authservId, results };
}

/**
 * Domains of DKIM signatures that passed, from the trusted Authentication-Results headers among the first
 * MAX_HEADERS: those whose authserv-id is in `authservIds`, or when that is empty only the topmost one.
 */
export function dkimPassDomains(headers: readonly Header[], authservIds: readonly string[]): string[] {
  const trusted = new Set(authservIds.map((s) => s.toLowerCase()));
  const wanted = trusted.size > 0 ? MAX_HEADERS : 1;
  const use: AuthenticationResults[] = [];
  let seen = 0;
  for (const h of headers) {
    if (seen >= MAX_HEADERS || use.length >= wanted) break;
    if (h.name.toLowerCase() !== "authentication-results") continue;
    seen++;
    const parsed = parseAuthenticationResults(h.value);
    if (parsed && (trusted.size === 0 || trusted.has(parsed.authservId.toLowerCase()))) use.push(parsed);
  }
  const domains: string[] = [];
  for (const ar of use) {
    for (const r of ar.results) {
      if (r.method !== "dkim" || r.result !== "pass") continue;
      const identity = r.props["header.i"];
      const d = r.props["header.d"] ?? identity?.slice(identity.lastIndexOf("@") + 1);
      if (d) domains.push(d.toLowerCase().replace(/\.$/, ""));
    }
  }
  return domains;
}
