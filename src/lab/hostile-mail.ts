/**
 * Hostile messages for the soak (src/harness/hostile-soak.ts) and its tests: a seeded stream of recipes
 * (./hostile-recipes.ts) built into what an MTA hands a milter. Each message forges Floodgate's own headers with
 * FORGED_MARK in their value, so that a forged header that survives can be told from one Floodgate wrote. The same
 * seed gives the same messages.
 */
import fc from "fast-check";
import type { TestMessage } from "../client/milter-client.js";
import { seededRandom } from "../util/seeded-random.js";
import { hostileRecipe, type HostileFamily, type HostileRecipe } from "./hostile-recipes.js";

/** In the value of every forged Floodgate header. */
export const FORGED_MARK = "forged-by-sender";

/** A hostile message: what an MTA sends a milter, and the family it comes from. */
export interface HostileMessage extends TestMessage {
  family: HostileFamily;
  /** Its place in the stream (0 first). */
  index: number;
}

type Headers = Array<[string, string]>;
interface Content {
  headers: Headers;
  body: string;
  recipients?: string[];
}

const WORDS = [
  "offer", "cheap", "watches", "today", "exclusive", "reward", "claim", "click", "limited", "pharmacy", "pills",
  "loan", "approved", "winner", "dear", "friend", "meeting", "minutes", "attached", "invoice", "please", "review",
]; // prettier-ignore
const RECIPIENT_DOMAIN = "victim.example";
/** Markup floods stop at this many bytes. */
const MAX_FLOOD_BYTES = 1_500_000;

/** `count` messages from `seed` (of some families only, when given), built one at a time as they are taken. */
export function* hostileMessages(
  seed: number,
  count: number,
  families?: readonly HostileFamily[],
): Generator<HostileMessage> {
  const chunk = 500;
  const recipe = families ? hostileRecipe.filter((r) => families.includes(r.family)) : hostileRecipe;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    // Each chunk has its own seed, so message i is the same whatever the count.
    const recipes = fc.sample(recipe, { seed: seed + start / chunk, numRuns: n });
    for (const [i, recipe] of recipes.entries()) yield buildHostile(recipe, start + i);
  }
}

/** The message a recipe describes. */
export function buildHostile(recipe: HostileRecipe, index: number): HostileMessage {
  const random = seededRandom(recipe.seed);
  const words = (n: number) => randomWords(n, random);
  const content = contentOf(recipe, words, random);
  const forged = forgedHeaders(recipe, index);
  const base: Headers = [
    ["From", `<sender${index % 97}@hostile.example>`],
    ["To", `<rcpt${index % 89}@${RECIPIENT_DOMAIN}>`],
    ["Date", "Mon, 1 Jan 2024 10:00:00 +0000"],
    ["Message-ID", `<hostile.${index}@hostile.example>`],
  ];
  if (!content.headers.some(([name]) => name.toLowerCase() === "subject")) base.push(["Subject", words(4)]);
  return {
    family: recipe.family,
    index,
    sender: `sender${index % 97}@hostile.example`,
    recipients: content.recipients ?? [`rcpt${index % 89}@${RECIPIENT_DOMAIN}`],
    headers: [...forged.before, ...base, ...content.headers, ...forged.after],
    body: Buffer.from(content.body.replace(/\r?\n/g, "\r\n"), "latin1"),
  };
}

/** Forged Floodgate headers, at the top or after more than a thousand ordinary ones. */
function forgedHeaders(recipe: HostileRecipe, index: number): { before: Headers; after: Headers } {
  const forged: Headers = [];
  for (const name of recipe.forged.names) {
    for (let copy = 0; copy < recipe.forged.copies; copy++) forged.push([name, `${FORGED_MARK} ${index}.${copy}`]);
  }
  if (!recipe.forged.afterPadding) return { before: forged, after: [] };
  const padding: Headers = Array.from({ length: 1100 }, (_, i) => [`X-Padding-${i % 10}`, `pad ${i}`]);
  return { before: [], after: [...padding, ...forged] };
}

function contentOf(recipe: HostileRecipe, words: (n: number) => string, random: () => number): Content {
  switch (recipe.family) {
    case "mime-tree":
      return mimeTree(recipe, words);
    case "header-flood":
      return {
        headers: Array.from({ length: recipe.count }, (_, i) => [`X-Flood-${i % 50}`, `${i} ${words(3)}`]),
        body: words(60),
      };
    case "long-header": {
      const parts = words(Math.ceil(recipe.length / 7)).split(" ");
      const folded = recipe.foldEvery > 0 ? foldEvery(parts, recipe.foldEvery) : parts.join(" ");
      const value = recipe.name === "Content-Type" ? `text/plain; x="${folded}"` : folded;
      return { headers: [[recipe.name, value]], body: words(60) };
    }
    case "html-nest": {
      const open = `<${recipe.element}${recipe.attributes}>`.repeat(recipe.depth);
      const close =
        recipe.closing === "all"
          ? `</${recipe.element}>`.repeat(recipe.depth)
          : recipe.closing === "mismatched"
            ? "</div></td></table></blockquote>".repeat(Math.min(recipe.depth, 2000))
            : "";
      const html = `<html><body>${open}${words(20)}${recipe.tail.repeat(recipe.tailCount)}${close}</body></html>`;
      return { headers: [["Content-Type", "text/html; charset=utf-8"]], body: lines(html) };
    }
    case "markup-flood": {
      const count = Math.min(recipe.count, Math.floor(MAX_FLOOD_BYTES / recipe.unit.length));
      return { headers: [["Content-Type", "text/html"]], body: lines(words(10) + recipe.unit.repeat(count)) };
    }
    case "broken-encoding":
      return {
        headers: [
          ["Content-Type", "text/plain; charset=utf-8"],
          ["Content-Transfer-Encoding", recipe.encoding],
        ],
        body: brokenBody(recipe.kind, recipe.bytes, words, random),
      };
    case "charset":
      return {
        headers: [["Content-Type", `text/plain; charset=${recipe.charset}`]],
        body: lines(randomLatin1(recipe.bytes, random)),
      };
    case "nul":
      return { headers: [], body: `${words(30)}\0${"\0".repeat(recipe.bytes)}${words(30)}\0\n${words(10)}` };
    case "envelope": {
      const recipients = Array.from({ length: recipe.recipients }, (_, i) =>
        recipe.distinct ? `r${i}@${RECIPIENT_DOMAIN}` : `same@${RECIPIENT_DOMAIN}`,
      );
      return { headers: [], body: words(80), recipients };
    }
    case "regex-trap":
      return regexTrap(recipe.trap, recipe.length, words);
    case "unicode-trap":
      return unicodeTrap(recipe.trap, recipe.marks, words);
  }
}

/** Multiparts `depth` levels deep, the innermost with `width` parts of one kind. */
function mimeTree(recipe: Extract<HostileRecipe, { family: "mime-tree" }>, words: (n: number) => string): Content {
  const out: string[] = [];
  for (let d = 1; d <= recipe.depth; d++) {
    out.push(`--b${d - 1}\nContent-Type: multipart/mixed; boundary="b${d}"\n\n`);
  }
  const inner = `b${recipe.depth}`;
  for (let w = 0; w < recipe.width; w++) {
    const text = words(8);
    const content =
      recipe.leaf === "text/html"
        ? `<p>${text}</p>`
        : recipe.leaf === "message/rfc822"
          ? `Subject: inner ${w}\nContent-Type: text/plain\n\n${text}`
          : text;
    const encoded =
      recipe.encoding === "base64"
        ? Buffer.from(content)
            .toString("base64")
            .replace(/(.{76})/g, "$1\n")
        : content;
    out.push(
      `--${inner}\nContent-Type: ${recipe.leaf}; charset="${recipe.charset}"\n` +
        `Content-Transfer-Encoding: ${recipe.encoding}\n\n${encoded}\n`,
    );
  }
  if (recipe.closed) for (let d = recipe.depth; d >= 0; d--) out.push(`--b${d}--\n`);
  return { headers: [["Content-Type", 'multipart/mixed; boundary="b0"']], body: out.join("") };
}

function brokenBody(kind: string, bytes: number, words: (n: number) => string, random: () => number): string {
  switch (kind) {
    case "junk":
      return lines(randomLatin1(bytes, random, "!@#$%^&*()_+{}|:<>?~`"));
    case "equals":
      return lines("=".repeat(bytes) + words(10));
    case "invalid-utf8":
      return lines("\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc".repeat(Math.ceil(bytes / 11)));
    case "spaces":
      return Buffer.from(words(Math.ceil(bytes / 6)))
        .toString("base64")
        .replace(/(.{4})/g, "$1 ");
    default:
      return (
        Buffer.from(words(Math.ceil(bytes / 6)))
          .toString("base64")
          .slice(0, -3) + "="
      );
  }
}

function regexTrap(trap: string, length: number, words: (n: number) => string): Content {
  const html = (body: string): Content => ({ headers: [["Content-Type", "text/html"]], body: lines(body) });
  const text = (body: string): Content => ({ headers: [], body });
  switch (trap) {
    case "digits":
      return text(`Dear friend\n${"1".repeat(length)}`);
    case "newlines":
      return text(`${"\n".repeat(length)}dear friend`);
    case "spaces":
      return text(`${" ".repeat(length)}x`);
    case "font-flood":
      return html("<font ".repeat(length / 6));
    case "color-white":
      return html("<p color=white ".repeat(length / 15));
    case "auth-results-token":
      return { headers: [["Authentication-Results", `mx.lab; dkim=pass header.d=esp.example x${"a".repeat(length)}`]], body: words(60) }; // prettier-ignore
    case "list-id-lt":
      return { headers: [["List-Id", "<".repeat(length)]], body: words(60) };
    case "dear-lines":
      return text(`\n${" ".repeat(50)}`.repeat(length / 51));
    case "dots":
      return text("a.".repeat(length / 2));
    case "email-runs":
      return text(`${"a".repeat(length)}@`);
    default:
      return text("http://".repeat(length / 7));
  }
}

/** Combining marks of four classes in descending order (230, 220, 103, 10), none of them the accents fingerprints
 * drop, so that every run must be put in canonical order. */
const MIXED_MARKS = "\u20d0\u1dca\u0e38\u05b0";

/** UTF-8 text in base64 lines: decoded, it has no line breaks, so a run of marks stays one run. */
function base64Utf8(text: string): string {
  return lines(Buffer.from(text, "utf8").toString("base64"));
}

function unicodeTrap(trap: string, marks: number, words: (n: number) => string): Content {
  const run = MIXED_MARKS.repeat(Math.ceil(marks / MIXED_MARKS.length)).slice(0, marks);
  const utf8 = (type: string, text: string): Content => ({
    headers: [
      ["Content-Type", `${type}; charset=utf-8`],
      ["Content-Transfer-Encoding", "base64"],
    ],
    body: base64Utf8(text),
  });
  switch (trap) {
    case "mark-run":
      return utf8("text/plain", `${words(20)} a${run} ${words(20)}`);
    case "mark-references": {
      const references = [...run].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join("");
      return utf8("text/html", `<p>${words(20)} a${references} ${words(20)}</p>`);
    }
    case "halfwidth-voiced":
      return utf8("text/plain", `${words(20)} \uff76${"\uff9e\u0301".repeat(Math.ceil(marks / 2))} ${words(20)}`);
    default: {
      // Encoded words of 30 marks each, folded; adjacent encoded words join without a space (RFC 2047).
      const pieces: string[] = [];
      for (let i = 0; i < Math.min(run.length, 16_000); i += 30)
        pieces.push(`=?utf-8?b?${Buffer.from(run.slice(i, i + 30), "utf8").toString("base64")}?=`);
      return { headers: [["Subject", `${words(3)} a${pieces.join("\n ")}`]], body: words(60) };
    }
  }
}

/** `n` words drawn from WORDS; past 256, the first 256 again and again (a long text costs little to make). */
function randomWords(n: number, random: () => number): string {
  const drawn: string[] = [];
  for (let i = 0; i < Math.min(n, 256); i++) drawn.push(WORDS[Math.floor(random() * WORDS.length)]!);
  if (n <= 256) return drawn.join(" ");
  const block = drawn.join(" ");
  const whole = Math.floor(n / 256);
  const rest = drawn.slice(0, n % 256).join(" ");
  return (block + " ").repeat(whole) + rest;
}

/** A long text cut into lines of 76 characters, as a mail body is. */
function lines(text: string): string {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 76) out.push(text.slice(i, i + 76));
  return out.join("\n") + "\n";
}

/** Words folded onto continuation lines of `every` words each. */
function foldEvery(parts: string[], every: number): string {
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += every) out.push(parts.slice(i, i + every).join(" "));
  return out.join("\n ");
}

function randomLatin1(bytes: number, random: () => number, alphabet?: string): string {
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) {
    out[i] = alphabet
      ? alphabet.charCodeAt(Math.floor(random() * alphabet.length))
      : 0x20 + Math.floor(random() * 0xe0);
  }
  return out.toString("latin1");
}
