/**
 * The words of some lines of a text without tokenising it again: from the words of the whole text and where each
 * was found (`WordTrace`), what tokenising only those lines gives. The exact key of a short message reads the lines
 * that name no recipient (./skeleton.ts), the previous version the lines that quote no earlier message
 * (./previous-version.ts). Lines end at "\n" (a token never spans a line break). Linear in the words. Pure: no I/O.
 */
import { MAX_WORDS, URL_TOKEN_PREFIX, type WordTrace } from "./normalise.js";

/** The tokens of a text in order, the link repeats tokenising left out included, each with its line. */
export interface LineTokens {
  words: string[];
  /** For each token, the offset of its line's start in the text. */
  lines: number[];
  /** For each token, its index among the text's words, or -1 for a repeat left out of them. */
  indices: number[];
}

/** Whether a trace can give the words of some lines: not when tokenising stopped at MAX_WORDS (the lines after the
 * cap were never read). */
export function traceComplete(words: readonly string[]): boolean {
  return words.length < MAX_WORDS;
}

/** The tokens of a text (its words and their trace), each with its line. */
export function lineTokens(text: string, words: readonly string[], trace: WordTrace): LineTokens {
  const tokens: LineTokens = { words: [], lines: [], indices: [] };
  forEachLineToken(text, words, trace, (word, line, index) => {
    tokens.words.push(word);
    tokens.lines.push(line);
    tokens.indices.push(index);
  });
  return tokens;
}

/** Each token of a text (its words and their trace) in order, as `lineTokens` lists them, without the lists: the
 * token, the offset of its line's start, its index among the words (-1 for a repeat left out of them). */
export function forEachLineToken(
  text: string,
  words: readonly string[],
  trace: WordTrace,
  visit: (word: string, line: number, index: number) => void,
): void {
  // offsets ascend, so the line of each is found by walking the line breaks once
  let lineStart = 0;
  let nextBreak = text.indexOf("\n");
  const lineOf = (offset: number): number => {
    while (nextBreak >= 0 && nextBreak < offset) {
      lineStart = nextBreak + 1;
      nextBreak = text.indexOf("\n", lineStart);
    }
    return lineStart;
  };
  const { offsets, repeats } = trace;
  let r = 0;
  for (let i = 0; i <= words.length; i++) {
    for (; r < repeats.length && repeats[r]!.before === i; r++) {
      const repeat = repeats[r]!;
      visit(repeat.word, lineOf(repeat.offset), -1);
    }
    if (i === words.length) break;
    visit(words[i]!, lineOf(offsets[i]!), i);
  }
}

/** Whether a token repeats the one before it, as tokenising leaves out (a link shown as its own text). */
export function isRepeat(word: string, before: string | undefined): boolean {
  return word === before && word.startsWith(URL_TOKEN_PREFIX);
}

/** The words of each line that has any, as tokenising that line alone gives them, with their indices among the
 * text's words (-1: a repeat of the line before, which the line alone keeps). */
export function wordsByLine(tokens: LineTokens): { words: string[]; indices: number[] }[] {
  const lines: { words: string[]; indices: number[] }[] = [];
  let current: { words: string[]; indices: number[] } | null = null;
  let currentStart = -1;
  for (let k = 0; k < tokens.words.length; k++) {
    const word = tokens.words[k]!;
    if (tokens.lines[k] !== currentStart || current === null) {
      currentStart = tokens.lines[k]!;
      current = { words: [], indices: [] };
      lines.push(current);
    } else if (isRepeat(word, current.words[current.words.length - 1])) continue;
    current.words.push(word);
    current.indices.push(tokens.indices[k]!);
  }
  return lines;
}
