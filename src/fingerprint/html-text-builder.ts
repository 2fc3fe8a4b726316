/**
 * The text ./html-text.ts writes: shown text with whitespace collapsed, line breaks, and `> ` prefixes inside
 * blockquotes, cut at a cap as it is written; hidden text counted, and written between markers when asked (for a
 * person reading it, never a fingerprint). Pure: no I/O.
 */
import { decodeText } from "./html-attribute-entities.js";

/** White space to collapse: what `\s` matches but U+FEFF, a zero-width no-break space that a reader does not see
 * (normalising removes it, so a word it is slipped into stays one word). */
const WHITESPACE = /[^\S\ufeff]+/g;
/** Quote levels marked at most: a deeper line is still a quoted line (`> > > …`), its prefix stops growing. */
export const MAX_QUOTE_PREFIX = 8;
/** A line break followed by the quote prefix, for each quote depth up to MAX_QUOTE_PREFIX. */
const QUOTE_BREAKS: readonly string[] = Array.from({ length: MAX_QUOTE_PREFIX + 1 }, (_, depth) =>
  "\n".concat("> ".repeat(depth)),
);
/** What `markHidden` writes around text a reader would not see. */
export const HIDDEN_OPEN = "⟦";
export const HIDDEN_CLOSE = "⟧";

/** Characters of text shown and left out; added to by each call, so one object can sum several parts. */
export interface HtmlTextStats {
  visibleChars: number;
  hiddenChars: number;
  /** Of the hidden characters, those fingerprint version 2 showed (./html-visibility.ts, showedToVersionTwo): its
   * keys read them (./version-two-text.ts). */
  hiddenSinceVersionTwo: number;
  /** Whether a part's style cascade spent its budget (./css-budget.ts): its later elements were read by their own
   * markup alone. */
  styleSpent?: boolean;
}

export interface HtmlTextOptions {
  /** Sums of the text kept and left out. */
  stats?: HtmlTextStats;
  /** Write hidden text too, between HIDDEN_OPEN and HIDDEN_CLOSE (for a person reading it, never a fingerprint). */
  markHidden?: boolean;
  /** Write hidden text as if it were shown: the text the previous fingerprint version read (./previous-version.ts). */
  keepHidden?: boolean;
  /** Hide only what fingerprint version 2 hid (./html-visibility.ts, showedToVersionTwo): the text its keys read. */
  versionTwoRules?: boolean;
}

/** Whether a text's whitespace is already collapsed: single spaces only (most text between two tags, read
 * without a regular expression). */
function collapsed(text: string): boolean {
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20) {
      if (space) return false;
      space = true;
    } else if (c <= 0x0d || c >= 0x80) {
      // a line break, a tab or a character outside ASCII (which \s may match): let the expression decide
      if (c >= 0x09) return false;
      space = false;
    } else space = false;
  }
  return true;
}

/** Whether a non-empty text is only ASCII white space (which \s+ collapses to one space). */
function asciiBlank(text: string): boolean {
  if (text === "") return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return false;
  }
  return true;
}

/** The output: shown text with whitespace collapsed, line breaks, and `> ` prefixes inside blockquotes, cut at a
 * cap; hidden text counted (and written between markers when asked). */
export class TextBuilder {
  /** The text written: appended to (V8 keeps the pieces as a rope until it is read), cheaper than a list joined. */
  #out = "";
  readonly #stats: HtmlTextStats;
  readonly #markHidden: boolean;
  readonly #keepHidden: boolean;
  #quoteDepth = 0;
  /** Characters written, line breaks and prefixes included; never more than the cap. */
  #written = 0;
  /** Characters of text written so far (to know whether a link had text). */
  size = 0;

  constructor(
    readonly maxChars: number,
    options: HtmlTextOptions,
  ) {
    this.#stats = options.stats ?? { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 };
    this.#markHidden = options.markHidden ?? false;
    this.#keepHidden = options.keepHidden ?? false;
  }

  /** Whether the cap is reached: nothing more is written. */
  get full(): boolean {
    return this.#written >= this.maxChars;
  }

  text(raw: string, shown: boolean): void {
    // Only white space between two tags (the indentation of markup, most text nodes) writes one space.
    if (asciiBlank(raw)) {
      this.#push(" ");
      return;
    }
    // Decoding and collapsing only shrink the text: what they allocate is bounded by the input.
    const decoded = decodeText(raw);
    const text = collapsed(decoded) ? decoded : decoded.replace(WHITESPACE, " ");
    if (text === "" || text === " ") {
      if (text === " ") this.#push(" ");
      return;
    }
    this.#add(text, shown);
  }

  /** Text the current rules hide and version 2's showed, `chars` long: counted, not written. */
  hiddenSinceVersionTwo(chars: number): void {
    this.#stats.hiddenSinceVersionTwo += chars;
  }

  /** Text written as is (an href or a source: no entity decoding again). */
  inline(text: string, shown: boolean): void {
    this.#add(text, shown);
  }

  lineBreak(): void {
    const depth = Math.min(this.#quoteDepth, MAX_QUOTE_PREFIX);
    this.#push(QUOTE_BREAKS[depth]!);
  }

  openQuote(): void {
    this.#quoteDepth++;
    this.lineBreak();
  }

  closeQuote(): void {
    if (this.#quoteDepth > 0) this.#quoteDepth--;
    this.lineBreak();
  }

  toString(): string {
    return this.#out;
  }

  #add(text: string, shown: boolean): void {
    if (shown || this.#keepHidden) {
      const written = this.#push(text);
      this.size += written;
      this.#stats.visibleChars += written;
      return;
    }
    this.#stats.hiddenChars += text.length;
    if (this.#markHidden) this.#push(HIDDEN_OPEN + text + HIDDEN_CLOSE);
  }

  /** Append what fits under the cap; the number of characters appended. */
  #push(text: string): number {
    const room = this.maxChars - this.#written;
    if (room <= 0) return 0;
    const kept = text.length <= room ? text : text.slice(0, room);
    this.#out += kept;
    this.#written += kept.length;
    return kept.length;
  }
}
