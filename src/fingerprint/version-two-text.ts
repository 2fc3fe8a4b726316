/**
 * The text fingerprint version 2 read, kept beside the current text while its keys are computed
 * (`fingerprint.previousVersion`, ./version-two.ts): the current visibility rules hide text version 2 read (a colour
 * of low contrast, a font under 5px: ./html-visibility.ts), and version 2's keys must be the ones it made. An HTML
 * part is read again by version 2's rules only where the current ones hid text version 2's showed
 * (`HtmlTextStats.hiddenSinceVersionTwo`); any other part is the same text. Pure: no I/O.
 */
import { htmlToText } from "./html-text.js";
import { TextBudget } from "./text-budget.js";

export class VersionTwoText {
  readonly #budget: TextBudget;
  /** Whether it differs from the current text so far. */
  differs = false;

  constructor(maxChars: number) {
    this.#budget = new TextBudget(maxChars);
  }

  get room(): number {
    return this.#budget.room;
  }

  /** Text both versions read alike. */
  add(text: string): void {
    this.#budget.add(text);
  }

  /** An HTML part: its current text, the room it was written in, and whether the current rules hid text of it that
   * version 2's showed. */
  addHtml(content: string, current: { text: string; room: number; hidSome: boolean }): void {
    if (this.#budget.full) return;
    const room = this.#budget.room;
    const same = !current.hidSome && current.room === room;
    const text = same ? current.text : htmlToText(content, room, { versionTwoRules: true });
    this.differs ||= text !== current.text;
    this.#budget.add(text);
  }

  toString(): string {
    return this.#budget.toString();
  }
}
