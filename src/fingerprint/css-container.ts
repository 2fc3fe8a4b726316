/**
 * Whether a `@container` rule's block applies to the reference reader (./css-at-rules.ts). A browser tests each
 * element's nearest query container (an ancestor with `container-type`), whose size the layout decides; this reader
 * lays nothing out, so it takes the container to be as wide as its viewport, 800px (./css-media.ts, VIEWPORT_WIDTH):
 * a mail's containers sit in that reading pane, and their queries switch at the breakpoints its `@media` queries use
 * (phone layouts under 480–767px), so the block a desktop reader's `@media` applies is the one applied here too. Only
 * `width` and `inline-size` are known: a container's height (`height`, `block-size`, `aspect-ratio`, `orientation`)
 * is unknown to an `inline-size` container and to this reader, and unknown is false, as are `style()` and
 * `scroll-state()` queries. A name before the query (`@container card (…)`) is taken to name a container there;
 * whether any ancestor is a container at all is not modelled. Linear in the prelude. Pure: no I/O.
 */
import { MediaParser, VIEWPORT_WIDTH, type Features } from "./css-media.js";
import { anyListItem, tokenize, type Token, type Work } from "./css-prelude-tokens.js";

/** The size features a container query tests that this reader knows. */
const CONTAINER: Features = {
  range: new Map([
    ["width", ["length", VIEWPORT_WIDTH]],
    ["inline-size", ["length", VIEWPORT_WIDTH]],
  ]),
  discrete: new Map(),
};

/** Names a container cannot have: a query's keywords. */
const NOT_NAMES = new Set(["not", "and", "or", "none"]);

/** Whether the conditions `text` (a `@container` prelude without `@container`: `[name] condition`, a comma-separated
 * list of them) hold for a container as wide as the reader: true when any does. */
export function containerMatches(text: string, work?: Work): boolean {
  const tokens = tokenize(text, work);
  if (!tokens || tokens.length === 0) return false;
  const parser = new MediaParser(tokens, CONTAINER, work);
  return anyListItem(tokens, (start, end) => {
    const from = isName(tokens[start]) ? start + 1 : start;
    return from < end && parser.condition(from, end);
  });
}

function isName(t: Token | undefined): boolean {
  return t?.kind === "ident" && !NOT_NAMES.has(t.text);
}
