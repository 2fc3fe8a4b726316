/**
 * The work one document's cascade may do (./css-sheet.ts, ./css-context.ts, ./css-lookahead.ts,
 * ./css-custom-properties.ts, ./html-visibility.ts): each step of a bounded cost is counted before it is taken, in
 * one budget a document, so the cascade's cost is capped whatever the product of its sheet and its markup. The
 * steps: a selector checked against an element (its tests and keys), a context or `:has()` test tried on an opening
 * element, a folded rule set combined into an element's (and its declarations with var()), a value a var() is
 * substituted in (by the 64 characters) and a custom property looked up or computed.
 *
 * Past the budget the cascade stops for the rest of the document (./html-visibility.ts, visibilityOf): an element
 * takes its parent's visibility with its `hidden` attribute, its presentational attributes and its style attribute
 * read as written (no var()) applied, since those cost what the element's own markup costs; the style sheet's rules
 * and var() are no longer applied. A sender who adds a sheet that spends the budget to switch the hidden-text
 * defence off therefore keeps every inline hiding (the most of salt) hidden, and the message is marked: its
 * fingerprint's `limit` is "style" (./types.ts), which the status header carries (`parse=style`). Pure: no I/O.
 */
import { innerCompounds, type Compound, type SimpleTest } from "./css-compound.js";

/**
 * Steps a document's cascade may take: far above what mail needs, and some 300 ms of the costliest steps on one core
 * (the hostile sheets of test/unit/fingerprint-css-cascade.test.ts), well inside the task's 1.5 s. The most a message
 * of the SpamAssassin corpus takes is 1,220 steps (hard-ham-1 00212; 6,046 messages, ham and spam, read as
 * test/integration/fingerprint-corpus.test.ts reads them; an old corpus, with little CSS), a styled table of 2,000
 * elements under 1 % of the budget (the test).
 */
export const CASCADE_BUDGET = 1_000_000;

/** One document's cascade budget. */
export class CascadeBudget {
  #used = 0;

  constructor(readonly limit: number = CASCADE_BUDGET) {}

  /** Count `steps` about to be taken: false when they pass the budget (they are then not to be taken). */
  spend(steps: number): boolean {
    this.#used += steps;
    return this.#used <= this.limit;
  }

  /** Whether the budget is spent: the cascade stops for the rest of the document. */
  get spent(): boolean {
    return this.#used > this.limit;
  }

  /** Steps counted so far (past the limit included), for tests and measurements. */
  get used(): number {
    return this.#used;
  }
}

/** The steps of checking a compound: one, one a class, and each test's. */
export function compoundSteps(c: Compound): number {
  return c.tests.reduce((n, { test }) => n + testSteps(test), 1 + c.classes.length);
}

/** The steps of checking a test: one, and those of the compounds of its list or `:has()`. */
export function testSteps(test: SimpleTest): number {
  return innerCompounds(test).reduce((n, c) => n + compoundSteps(c), 1);
}
