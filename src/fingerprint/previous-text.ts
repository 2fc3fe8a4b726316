/**
 * The text the previous fingerprint version (1) read of a message, built by the extractor (./extract.ts) beside
 * the current one, part by part: every inline text part, and the text of an HTML part, hidden text included,
 * unless it is an alternative to a text/plain part (version 1 read that instead). The current version reads the
 * HTML of an alternative and leaves hidden text out, so the two differ for much HTML mail; the text is only given
 * when they do (`differs`), and an HTML part's text is written again only where it was not already written the
 * same way. Pure: no I/O.
 */
import { htmlToText } from "./html-text.js";
import { TextBudget } from "./text-budget.js";
import { MAX_TEXT_CHARS } from "./compute.js";

/** An HTML part's text as the current version wrote it, the room it had, and whether it is the part's whole text
 * (none of it hidden: then version 1 wrote the same, given the same room). */
export interface ShownText {
  text: string;
  room: number;
  whole: boolean;
}

export class PreviousText<Part> {
  readonly #budget = new TextBudget(MAX_TEXT_CHARS);
  /** Whether it differs from the current text so far. */
  differs = false;

  /** `readsHtml`: whether version 1 read an HTML part's text. */
  constructor(readonly readsHtml: (part: Part) => boolean) {}

  /** Whether it still reads a text part (version 1 skipped one when its text and its HTML were both full). */
  reading(html: TextBudget): boolean {
    return !(this.#budget.full && html.full);
  }

  /** A text part's content; `read`: whether the current text read it. */
  addText(content: string, read: boolean): void {
    this.differs ||= !read;
    this.#budget.add(content);
  }

  /** An HTML part, and its text as the current version wrote it (null: not written). */
  addHtml(part: Part, content: string, shown: ShownText | null): void {
    if (!this.readsHtml(part)) {
      this.differs ||= shown !== null && shown.text !== "";
      return;
    }
    if (this.#budget.full) return;
    const room = this.#budget.room;
    const reuse = shown !== null && shown.whole && shown.room === room;
    const text = reuse ? shown.text : htmlToText(content, room, { keepHidden: true });
    this.differs ||= !reuse;
    this.#budget.add(text);
  }

  toString(): string {
    return this.#budget.toString();
  }
}
