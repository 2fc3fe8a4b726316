/**
 * Distinct ham from the SpamAssassin corpus, for counting false merges: pairs of distinct messages that got one
 * campaign id. The set holds one message per thread (the same subject without reply and forward prefixes and list
 * tags: a reply quotes what it answers), and no two copies of one body; the corpus has 2,071 threads among its
 * 4,150 ham messages. Two messages of the set are still not a distinct pair when they are one sender's mailings:
 * from the same address (one newsletter's or notifier's issues: "[use Perl] Headlines for 2002-09-20" and
 * "[use Perl] Stories for 2002-09-20", "[Bug 804]" and "[Bug 813]" from one bug tracker), or from the same domain
 * with the same subject once numbers and dates are taken out (a mailing writing a new sender address for every
 * message: "Your Daily Dilbert 07/10/2002"). A sender's issues share their template and are one bulk mailing, not
 * a false merge.
 */
import { createHash } from "node:crypto";
import type { CorpusMessage } from "./corpus.js";

/** Who sent a ham message and its subject without numbers and dates: what tells one sender's mailings apart. */
export interface Mailing {
  sender: string;
  template: string;
}

/** One ham message of the set. */
export interface DistinctHam {
  bytes: Buffer;
  thread: string;
  mailing: Mailing;
}

/** Whether two messages are one sender's mailings: the same sender address, or the same sender domain and the
 * same subject without numbers and dates. */
export function sameMailing(a: Mailing, b: Mailing): boolean {
  if (a.sender === b.sender) return a.sender !== "";
  const domain = (m: Mailing) => m.sender.slice(m.sender.indexOf("@") + 1);
  return a.template === b.template && domain(a) === domain(b);
}

/** The head of a message, folded lines unfolded. */
function head(bytes: Buffer): string {
  const text = bytes.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
}

/** The body of a message (after the header block). */
export function bodyOf(bytes: Buffer): string {
  return bytes
    .toString("latin1")
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join("\n\n");
}

/** The thread of a message: its subject without reply and forward prefixes or list tags, case folded. */
export function threadOf(bytes: Buffer): string {
  const subject = /^Subject:(.*)$/im.exec(head(bytes))?.[1] ?? "";
  return subject
    .toLowerCase()
    .replace(/^\s*(?:(?:re|fwd?|aw)\s*(?:\[\d+\])?:\s*|\[[^\]]*\]\s*)+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

const DATE_WORDS = /\b(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/g;

/** A thread with numbers and dates taken out: what the issues of a mailing have in common. */
function templateOf(thread: string): string {
  return thread
    .replace(DATE_WORDS, "")
    .replace(/[0-9]+/g, "#")
    .replace(/[^a-z#]+/g, " ")
    .trim();
}

/** The address in a message's From header ("" when none). */
export function fromAddress(bytes: Buffer): string {
  const line = /^From:(.*)$/im.exec(head(bytes))?.[1] ?? "";
  return (line.split(/[\s<>"]+/).find((piece) => piece.includes("@")) ?? "").toLowerCase();
}

/** Who sent a message and its subject without numbers and dates. */
export function mailingOf(bytes: Buffer): Mailing {
  return { sender: fromAddress(bytes), template: templateOf(threadOf(bytes)) };
}

/** Whether two ham messages are a distinct pair: not one thread (a message without a subject names none) and not
 * one sender's mailings. */
export function distinctPair(
  a: { thread: string; mailing: Mailing },
  b: { thread: string; mailing: Mailing },
): boolean {
  return (a.thread === "" || a.thread !== b.thread) && !sameMailing(a.mailing, b.mailing);
}

/** The first `count` messages of `ham` (in its order), one per thread and body; throws when it holds fewer. A
 * message without a subject names no thread. */
export function distinctHam(ham: readonly CorpusMessage[], count: number): DistinctHam[] {
  const threads = new Set<string>();
  const bodies = new Set<string>();
  const out: DistinctHam[] = [];
  for (const m of ham) {
    const thread = threadOf(m.bytes);
    const body = createHash("sha1").update(bodyOf(m.bytes)).digest("hex");
    if (bodies.has(body) || (thread !== "" && threads.has(thread))) continue;
    bodies.add(body);
    threads.add(thread);
    out.push({ bytes: m.bytes, thread, mailing: mailingOf(m.bytes) });
    if (out.length === count) return out;
  }
  throw new Error(`only ${out.length} distinct ham messages in the corpus, ${count} wanted`);
}
