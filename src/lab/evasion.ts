/**
 * Spammers' tricks against campaign recognition, as Evasions for campaignVariants (./campaign-variants.ts), for the
 * evasion suite: hidden text salting (random words or another message's text in elements a mail client does not show,
 * by every hiding method published in 2025: CSS display, visibility, font size, opacity, colour on a declared
 * background or near-white on none, clipping and off-screen boxes, the hidden attribute, class, id, descendant,
 * attribute, nth-child, last-child, :is() and sibling rules of a <style> block, rules inside @media and @supports,
 * custom properties, calc(), a transform off the page, a transparent text fill, a style written with a reference and a
 * CSS escape, a `translate` off the page, an oklch() white, a blur, a rule inside @container),
 * hash-busting salt (blocks of random words or sentences between the paragraphs, a third to a half of the text),
 * look-alike letters (from Cyrillic, Greek, Armenian, Latin extensions, fullwidth and mathematical forms, accents,
 * zero-width characters inside words), all of them combined, and padding: a few hundred KB of hidden words ahead of
 * the text, past the parse window. Deterministic: every choice is drawn from the PRNG the generator passes.
 */
import { escapeHtml, type Evasion, type Paragraph } from "./campaign-variants.js";
import { HIDING, pick, type Random } from "./salt-hiding.js";

/** Text a salt is drawn from: sentences and words of other messages. */
export interface SaltPool {
  sentences: readonly string[];
  words: readonly string[];
}

/** Sentences of 4 to 40 words of a text, without links or addresses (a salt a reader would not click). */
function sentencesOf(text: string): string[] {
  const out: string[] = [];
  for (const sentence of text.replace(/\s+/g, " ").split(/(?<=[.!?])\s+/)) {
    const count = sentence.split(" ").length;
    if (count >= 4 && count <= 40 && !/https?:|www\.|@/.test(sentence)) out.push(sentence.trim());
  }
  return out;
}

/**
 * `count` salt pools from message texts, each text in one pool only: every campaign draws its salt from its own
 * pool, so two campaigns never carry the same salt (copies of two campaigns salted with one text would share that
 * text, and be one campaign by any measure). The words (3 to 12 letters) are drawn from all the texts.
 */
export function saltPools(texts: readonly string[], count: number): SaltPool[] {
  const sentences: string[][] = Array.from({ length: count }, () => []);
  const words = new Set<string>();
  texts.forEach((text, i) => {
    sentences[i % count]!.push(...sentencesOf(text));
    for (const word of text.match(/\b[A-Za-z]{3,12}\b/g) ?? []) words.add(word.toLowerCase());
  });
  const fewest = Math.min(...sentences.map((s) => s.length));
  if (fewest < 100 || words.size < 1000) throw new Error(`salt pools: too little text (${fewest} sentences)`);
  const vocabulary = [...words];
  return sentences.map((pool) => ({ sentences: pool, words: vocabulary }));
}

/** Words as fingerprints count them: runs of letters and digits, a link as one, invisible characters ignored.
 * The salt's share is measured in these, not in runs of non-spaces: spam is full of symbols ("$$$", "==="), which
 * make no words, and a zero-width space inside a word does not make two. */
const WORD = /(?:https?|ftp):\/\/\S+|[\p{L}\p{N}\p{M}]+/gu;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

function words(text: string): number {
  return text.replace(INVISIBLE, "").match(WORD)?.length ?? 0;
}

function wordCount(paragraphs: readonly string[]): number {
  return paragraphs.reduce((n, p) => n + words(p), 0);
}

/** About `wanted` words of salt: random sentences, or random words, in one block. */
function saltBlock(pool: SaltPool, wanted: number, random: Random): string {
  const out: string[] = [];
  let count = 0;
  const sentences = random() < 0.6;
  while (count < wanted) {
    const piece = sentences ? pick(random, pool.sentences) : pick(random, pool.words);
    out.push(piece);
    count += words(piece);
  }
  return sentences ? out.join(" ") : out.join(" ") + ".";
}

/** `total` words of salt cut into 2 to 5 blocks. */
function saltBlocks(pool: SaltPool, total: number, random: Random): string[] {
  const blocks = 2 + Math.floor(random() * 4);
  return Array.from({ length: blocks }, () => saltBlock(pool, Math.max(3, Math.round(total / blocks)), random));
}

/** Insert each block at a random gap between paragraphs (before the first and after the last included). */
function insertAtGaps(paragraphs: readonly Paragraph[], blocks: readonly Paragraph[], random: Random): Paragraph[] {
  const out = [...paragraphs];
  for (const block of blocks) out.splice(Math.floor(random() * (out.length + 1)), 0, block);
  return out;
}

/** Hash-busting salt: visible blocks of random words or sentences, a third to a half of the copy's text. */
export function visibleSalt(pool: SaltPool): Evasion {
  return {
    rewrite(paragraphs, random) {
      const share = 1 / 3 + random() / 6; // the salt's share of the whole text
      const salt = Math.round((wordCount(paragraphs) * share) / (1 - share));
      return insertAtGaps(paragraphs, saltBlocks(pool, salt, random), random);
    },
  };
}

/** Hidden text salting: random words, sentences or another message's text in hidden elements between the
 * paragraphs, a half to one and a half times the copy's own words; HTML-only copies (a text/plain alternative
 * would carry the clean text). */
export function hiddenSalt(pool: SaltPool): Evasion {
  return {
    layouts: ["html"],
    rewrite(paragraphs, random) {
      const salt = Math.round(wordCount(paragraphs) * (0.5 + random()));
      const rules: string[] = [];
      const blocks = saltBlocks(pool, salt, random).map((text) => {
        const hidden = pick(random, HIDING)(escapeHtml(text), random);
        if (hidden.css) rules.push(hidden.css);
        return { html: hidden.html };
      });
      const out = insertAtGaps(paragraphs, blocks, random);
      if (rules.length > 0) out.unshift({ html: `<style type="text/css">\n${rules.join("\n")}\n</style>` });
      return out;
    },
  };
}

/** Padding runs from just past the default parse window (`fingerprint.parseKiB`, 256 KiB) to where, base64-encoded
 * with the copy's text after it, it still ends inside the further look's four windows (src/fingerprint/task.ts). */
const PADDING_MIN_BYTES = 280_000;
const PADDING_MAX_BYTES = 560_000;

/** Ways of keeping padding from the reader, each a whole block ahead of the text. */
const PADDING_HIDING: readonly ((lines: string) => string)[] = [
  (h) => `<div style="display:none">\n${h}\n</div>`,
  (h) => `<!--\n${h}\n-->`,
  (h) => `<style type="text/css">\n/*\n${h}\n*/\n</style>`,
  (h) => `<div style="font-size:0;line-height:0;color:transparent">\n${h}\n</div>`,
];

/** About `bytes` of random words, ten to a line. */
function paddingLines(words: readonly string[], bytes: number, random: Random): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = Array.from({ length: 10 }, () => pick(random, words)).join(" ");
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n");
}

/** Padding ahead of the text: a few hundred KB of random words of the copy's own, hidden (a display:none block, an
 * HTML comment, a comment in a style block, text of no size), before the first paragraph, so that the first parse
 * window holds nothing a reader sees, and two random words after the subject, so that a window without text is
 * no key the copies share; HTML-only copies. */
export function padding(words: readonly string[]): Evasion {
  return {
    layouts: ["html"],
    rewrite(paragraphs, random) {
      const bytes = PADDING_MIN_BYTES + Math.floor(random() * (PADDING_MAX_BYTES - PADDING_MIN_BYTES));
      return [{ html: pick(random, PADDING_HIDING)(paddingLines(words, bytes, random)) }, ...paragraphs];
    },
    subject: (subject, random) => `${subject} ${pick(random, words)} ${pick(random, words)}`,
  };
}

/** Look-alikes of Latin letters that spammers substitute, each of which the Unicode confusables data maps back. */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  a: "аɑαａ𝐚",
  c: "сϲｃ",
  e: "еｅ𝐞",
  i: "іιｉ",
  j: "ј",
  o: "оοօｏ𝐨",
  p: "рρｐ",
  s: "ѕｓ",
  x: "хｘ",
  y: "уｙ",
  h: "һ",
  d: "ԁ",
  q: "ԛ",
  w: "ԝ",
  n: "ո",
  u: "սυ",
  v: "ν",
  g: "ɡ",
};
const ACCENTED: Readonly<Record<string, string>> = { a: "àáâä", e: "éèêë", i: "ìíîï", o: "òóôö", u: "ùúûü" };
const ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"];
const URL = /(?:https?|ftp):\/\/\S+/g;

/** One paragraph with a share of its letters swapped for look-alikes and zero-width characters in some words;
 * URLs are left working. */
function disguise(paragraph: string, random: Random): string {
  const rate = 0.2 + random() * 0.3;
  const swap = (text: string) =>
    text.replace(/[a-z]/g, (letter) => {
      if (random() >= rate) return letter;
      const forms = random() < 0.8 ? LOOK_ALIKES[letter] : ACCENTED[letter];
      return forms ? pick(random, [...forms]) : letter;
    });
  const withZeroWidth = (text: string) =>
    text.replace(/\b([a-z]{2})([a-z]{2,})/g, (word, head: string, tail: string) =>
      random() < 0.1 ? head + pick(random, ZERO_WIDTH) + tail : word,
    );
  let out = "";
  let last = 0;
  for (const url of paragraph.matchAll(URL)) {
    out += swap(withZeroWidth(paragraph.slice(last, url.index))) + url[0];
    last = url.index + url[0].length;
  }
  return out + swap(withZeroWidth(paragraph.slice(last)));
}

/** Look-alike letters and zero-width characters, different in every copy. */
export function lookAlikes(): Evasion {
  return { rewrite: (paragraphs, random) => paragraphs.map((p) => disguise(p, random)) };
}

/** All of them at once: look-alikes, visible salt, hidden salt (HTML-only copies). */
export function combined(pool: SaltPool): Evasion {
  const visible = visibleSalt(pool);
  const hidden = hiddenSalt(pool);
  return {
    layouts: ["html"],
    rewrite(paragraphs, random) {
      const disguised = paragraphs.map((p) => disguise(p, random));
      const salted = visible.rewrite(disguised, random).filter((p): p is string => typeof p === "string");
      return hidden.rewrite(salted, random);
    },
  };
}
