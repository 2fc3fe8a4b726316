/**
 * The skeleton of a message: its normalised words without what is personal to the recipient, for the exact key
 * (`Fingerprint.direct`). A greeting by name ("Hi Mary,", "Mary, this one is for you.") splits every copy of a
 * short message into its own campaign, and short messages have no MinHash to absorb it. The recipient's names are
 * read from the To and Cc headers (display names and the local parts of the addresses): below `minWords`, every
 * line holding one of them is left out (the greeting, whatever its wording); above, the names themselves. The key
 * is then the sorted set of link domains, the other words, and the subject without the names. Pure: no I/O.
 */
import { hash } from "node:crypto";
import { lineTokens, traceComplete, wordsByLine } from "./line-words.js";
import { tokenise, URL_TOKEN_PREFIX, type WordTrace } from "./normalise.js";

/** Name words read from the recipient headers at most. */
export const MAX_NAME_WORDS = 64;
/** Characters of the recipient headers read at most. */
const MAX_RECIPIENT_CHARS = 4096;
const SEPARATORS = /[\s<>,;:"()]+/;

/** The recipient's name words (normalised like text) from the raw values of the To and Cc headers: the words of
 * the display names, and of the addresses' local parts ("mary.smith4" gives mary and smith), not their domains;
 * each also as the text writes it with a number after it ("mary#": "Dear mary4", "Dear user10"). */
export function recipientNames(headers: string): Set<string> {
  return nameSet(tokenise(recipientNameText(headers)), true);
}

/** The text of the recipient headers whose words are the names: the display names and the addresses' local parts,
 * their dots, pluses, dashes and digits as spaces. */
export function recipientNameText(headers: string): string {
  const text = headers.length > MAX_RECIPIENT_CHARS ? headers.slice(0, MAX_RECIPIENT_CHARS) : headers;
  const pieces = text.split(SEPARATORS).map((piece) => {
    const at = piece.indexOf("@");
    return (at < 0 ? piece : piece.slice(0, at)).replace(/[._+\-\d]+/g, " ");
  });
  return pieces.join(" ");
}

/** The names among the words of `recipientNameText`: the first MAX_NAME_WORDS of two letters or more, each also
 * followed by "#" when `numbered`. */
export function nameSet(words: readonly string[], numbered: boolean): Set<string> {
  const names = new Set<string>();
  const most = numbered ? 2 * MAX_NAME_WORDS : MAX_NAME_WORDS;
  for (const word of words) {
    if (word.length >= 2 && !word.startsWith(URL_TOKEN_PREFIX) && word !== "#") {
      names.add(word);
      if (numbered) names.add(`${word}#`);
    }
    if (names.size >= most) break;
  }
  return names;
}

/** What the exact key of a message is made of. */
export interface Skeleton {
  /** Link domains, sorted, unique. */
  links: string[];
  /** The words of the lines that name no recipient (short texts) or the words that are not a name (long ones),
   * links left out. */
  words: string[];
  /** The subject's words without names. */
  subject: string[];
}

/** The skeleton of a message's text (its words given, with their trace when recorded) and subject. */
export function skeletonOf(
  text: string,
  words: readonly string[],
  subjectWords: readonly string[],
  names: ReadonlySet<string>,
  short: boolean,
  trace?: WordTrace,
): Skeleton {
  const links: string[] = [];
  const kept: string[] = [];
  const isName = nameTest(names);
  for (const word of words) {
    // "u" first: most words are not links
    if (word.charCodeAt(0) === 0x75 && word.startsWith(URL_TOKEN_PREFIX)) links.push(word);
    else if (!isName(word)) kept.push(word);
  }
  return {
    links: links.length === 0 ? links : [...new Set(links)].sort(),
    words: short && names.size > 0 ? withoutLinksAndNames(wordsOfUnnamedLines(text, words, names, trace), names) : kept,
    subject: subjectWords.filter((word) => !names.has(word)),
  };
}

/** Whether a word is one of the names: a few names are compared one by one (cheaper than hashing every word). */
function nameTest(names: ReadonlySet<string>): (word: string) => boolean {
  if (names.size === 0) return () => false;
  if (names.size > 4) return (word) => names.has(word);
  const list = [...names];
  return (word) => list.includes(word);
}

function withoutLinksAndNames(words: readonly string[], names: ReadonlySet<string>): string[] {
  return words.filter((word) => !word.startsWith(URL_TOKEN_PREFIX) && !names.has(word));
}

/** The exact key of a skeleton under a fingerprint version: hex SHA-1. */
export function skeletonDigest(version: number, skeleton: Skeleton): string {
  return keyDigest(version, skeletonKey(skeleton));
}

/** What the exact key hashes after the version: the parts of a skeleton in one string. */
export function skeletonKey(skeleton: Skeleton): string {
  // Each word followed by a space; the parts joined in one string and hashed at once (an update per word cost more
  // than the rest of the key).
  const spaced = (words: readonly string[]) => (words.length === 0 ? "" : `${words.join(" ")} `);
  return `${skeleton.links.join(" ")}\u0000${spaced(skeleton.words)}\u0000${spaced(skeleton.subject)}`;
}

/** The exact key of a skeleton's `skeletonKey` under a fingerprint version: hex SHA-1. */
export function keyDigest(version: number, key: string): string {
  return hash("sha1", `v${version}\u0000${key}`, "hex");
}

/** The words of the lines of a text that hold no name, each line's as tokenising it alone gives them. */
function wordsOfUnnamedLines(
  text: string,
  words: readonly string[],
  names: ReadonlySet<string>,
  trace: WordTrace | undefined,
): string[] {
  const out: string[] = [];
  if (trace !== undefined && traceComplete(words)) {
    for (const line of wordsByLine(lineTokens(text, words, trace))) {
      if (!line.words.some((w) => names.has(w))) out.push(...line.words);
    }
    return out;
  }
  for (const line of text.split("\n")) {
    const lineWords = tokenise(line);
    if (!lineWords.some((w) => names.has(w))) out.push(...lineWords);
  }
  return out;
}
