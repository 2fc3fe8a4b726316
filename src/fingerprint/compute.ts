/**
 * From the decoded parts of a message to its Fingerprint (src/fingerprint/types.ts): normalised words, MinHash,
 * direct digest, attachment digests and link domains. Pure: no I/O, no parsing.
 */
import { attachmentDigests } from "./digest.js";
import { linkDomains } from "./links.js";
import { minhash } from "./minhash.js";
import { normaliseText } from "./normalise.js";
import { recipientNames, skeletonDigest } from "./skeleton.js";
import type { HtmlTextStats } from "./html-text.js";
import { FINGERPRINT_VERSION, type Fingerprint } from "./types.js";

/** Characters of text (and of HTML for link search) looked at; the rest is ignored, bounding the cost. */
export const MAX_TEXT_CHARS = 256 * 1024;
/** Characters of the decoded subject kept in `Fingerprint.subject`. */
export const SUBJECT_SAMPLE_CHARS = 200;

/** The decoded content of a message, as the parser gives it. */
export interface MessageParts {
  /** The text of the message: the text/plain parts, or the text of the HTML when there is no plain part. */
  text: string;
  /** The raw HTML, if any ("" when none): only its links are used. */
  html: string;
  subject: string;
  /** Decoded attachment contents. */
  attachments: Uint8Array[];
  /** Characters of HTML text shown and left out as hidden (absent: not measured). */
  hidden?: HtmlTextStats;
  /** The raw values of the To and Cc headers, one a line: whose names personalise the text. */
  recipients?: string;
}

/** Thresholds from `Config["fingerprint"]`. */
export interface FingerprintOptions {
  minWords: number;
  attachmentMinBytes: number;
}

/** What the parse that produced the parts saw: bytes parsed, cut at the parse cap, stopped at a limit. */
export type ParseSummary = Pick<Fingerprint, "bytesParsed" | "truncated" | "limit">;

/** The fingerprint of decoded message parts; `parse` describes the parse that produced them. */
export function fingerprintParts(parts: MessageParts, options: FingerprintOptions, parse: ParseSummary): Fingerprint {
  const text = parts.text.length > MAX_TEXT_CHARS ? parts.text.slice(0, MAX_TEXT_CHARS) : parts.text;
  const html = parts.html.length > MAX_TEXT_CHARS ? parts.html.slice(0, MAX_TEXT_CHARS) : parts.html;
  const words = normaliseText(text);
  const names = recipientNames(parts.recipients ?? "");
  const short = words.length < options.minWords;
  return {
    version: FINGERPRINT_VERSION,
    minhash: minhash(words, options.minWords),
    direct: skeletonDigest(FINGERPRINT_VERSION, text, words, normaliseText(parts.subject), names, short),
    attachments: attachmentDigests(parts.attachments, options.attachmentMinBytes),
    linkDomains: linkDomains(text, html),
    words: words.length,
    ...hiddenText(parts.hidden),
    subject: parts.subject.trim().slice(0, SUBJECT_SAMPLE_CHARS),
    bytesParsed: parse.bytesParsed,
    truncated: parse.truncated,
    limit: parse.limit,
  };
}

/** The hidden text of the HTML parts: characters left out and their share of all the HTML text, to 3 places. */
function hiddenText(stats: HtmlTextStats | undefined): Pick<Fingerprint, "hiddenChars" | "hiddenShare"> {
  const hiddenChars = stats?.hiddenChars ?? 0;
  const total = hiddenChars + (stats?.visibleChars ?? 0);
  return { hiddenChars, hiddenShare: total === 0 ? 0 : Math.round((1000 * hiddenChars) / total) / 1000 };
}
