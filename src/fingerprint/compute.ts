/**
 * From the decoded parts of a message to its Fingerprint (src/fingerprint/types.ts): normalised words, MinHash,
 * the exact key, attachment digests and link domains, and the previous version's keys when asked for. Pure: no
 * I/O, no parsing.
 */
import { attachmentDigests } from "./digest.js";
import type { HtmlTextStats } from "./html-text.js";
import { linkDomains } from "./links.js";
import { bottomValues, shingleHashes, wordHashes } from "./minhash.js";
import { normaliseText, wordTrace, type WordTrace } from "./normalise.js";
import { previousVersionKeys } from "./previous-version.js";
import { keyDigest, recipientNames, skeletonKey, skeletonOf } from "./skeleton.js";
import { FINGERPRINT_VERSION, type Fingerprint } from "./types.js";
import { packedValues } from "./packed-values.js";
import { sampleText } from "./value-sample.js";
import { decimals } from "./value-text.js";
import { versionTwoKeys } from "./version-two.js";

/** Characters of text (and of HTML for link search) looked at; the rest is ignored, bounding the cost. */
export const MAX_TEXT_CHARS = 256 * 1024;
/** Characters of the decoded subject kept in `Fingerprint.subject`. */
export const SUBJECT_SAMPLE_CHARS = 200;

/** The decoded content of a message, as the parser gives it. */
export interface MessageParts {
  /** The text a reader sees: the text of the HTML where there is HTML, else the text/plain parts. */
  text: string;
  /** The text the previous fingerprint version read, when it differs from `text` (absent: the same): the
   * text/plain alternative of an HTML part, hidden HTML text included (./previous-version.ts). */
  previousText?: string;
  /** The text fingerprint version 2 read, when it differs from `text` (absent: the same): HTML text the current
   * visibility rules hide and its did not (./version-two-text.ts). */
  versionTwoText?: string;
  /** The raw HTML, if any ("" when none): only its links are used. */
  html: string;
  subject: string;
  /** Decoded attachment contents. */
  attachments: Uint8Array[];
  /** The kinds of every attachment, sorted (./attachment-kinds.ts; absent: none read). */
  attachmentKinds?: string[];
  /** Characters of HTML text shown and left out as hidden (absent: not measured). */
  hidden?: HtmlTextStats;
  /** The raw values of the To and Cc headers: whose names personalise the text (absent: none read). */
  recipients?: string;
}

/** Thresholds from `Config["fingerprint"]`. */
export interface FingerprintOptions {
  minWords: number;
  attachmentMinBytes: number;
  /** Compute the previous versions' keys too (1 and 2). @defaultValue false */
  previousVersion?: boolean;
  /** Write the MinHash values, their sample and version 2's values as the campaign store takes them too
   * (`Fingerprint.minhashPacked`, `sampleText`, `version2Text`). @defaultValue false */
  storeValues?: boolean;
}

/** What the parse that produced the parts saw: bytes parsed, cut at the parse cap, stopped at a limit. */
export type ParseSummary = Pick<Fingerprint, "bytesParsed" | "truncated" | "limit">;

/** The fingerprint of decoded message parts; `parse` describes the parse that produced them. */
export function fingerprintParts(parts: MessageParts, options: FingerprintOptions, parse: ParseSummary): Fingerprint {
  const text = capped(parts.text);
  const html = parts.html.length > MAX_TEXT_CHARS ? parts.html.slice(0, MAX_TEXT_CHARS) : parts.html;
  const subjectTrace = wordTrace();
  const subjectWords = normaliseText(parts.subject, subjectTrace);
  const subjects: SubjectRead = { subjectWords, subjectTrace, names: recipientNames(parts.recipients ?? "") };
  const body = readBody(text, subjects, options.minWords);
  const { words, hashes, shingles, trace, key } = body;
  const fingerprint: Fingerprint = {
    version: FINGERPRINT_VERSION,
    minhash: body.minhash,
    direct: keyDigest(FINGERPRINT_VERSION, key),
    attachments: attachmentDigests(parts.attachments, options.attachmentMinBytes),
    attachmentKinds: parts.attachmentKinds ?? [],
    linkDomains: linkDomains(text, html),
    words: words.length,
    ...hiddenText(parts.hidden),
    subject: parts.subject.trim().slice(0, SUBJECT_SAMPLE_CHARS),
    bytesParsed: parse.bytesParsed,
    truncated: parse.truncated,
    // a MIME parse's limit says more (the raw body joined the text); else a style cascade that spent its budget
    limit: parse.limit ?? (parts.hidden?.styleSpent ? "style" : null),
  };
  if (options.storeValues && fingerprint.minhash) {
    fingerprint.minhashPacked = packedValues(fingerprint.minhash);
    fingerprint.sampleText = sampleText(fingerprint.minhash);
  }
  if (options.previousVersion) {
    const previousText = parts.previousText === undefined ? undefined : capped(parts.previousText);
    const { subject } = parts;
    const { minWords } = options;
    const input = { text, words, hashes, shingles, trace, previousText, subject, minWords };
    fingerprint.previous = previousVersionKeys(input);
    const recipients = parts.recipients ?? "";
    // Version 2's keys are made from the text it read (./version-two-text.ts), read as this version reads text.
    const read = parts.versionTwoText === undefined ? body : readBody(capped(parts.versionTwoText), subjects, minWords);
    fingerprint.version2 = versionTwoKeys({ ...read, ...subjects, recipients, minWords });
    if (options.storeValues && fingerprint.version2.minhash) {
      fingerprint.version2Text = decimals(fingerprint.version2.minhash);
    }
  }
  return fingerprint;
}

/** The subject's words and trace, and the recipients' names: what the exact key reads besides the body. */
interface SubjectRead {
  subjectWords: string[];
  subjectTrace: WordTrace;
  names: ReturnType<typeof recipientNames>;
}

/** What a fingerprint reads of a body's text: its words and their trace, their hashes and 3-word shingles, the
 * exact key (its skeleton with the subject and the recipients' names) and the MinHash values (none under `minWords`
 * words). */
function readBody(text: string, subjects: SubjectRead, minWords: number) {
  const trace = wordTrace();
  const words = normaliseText(text, trace);
  const hashes = wordHashes(words);
  const shingles = shingleHashes(hashes);
  const short = words.length < minWords;
  const key = skeletonKey(skeletonOf(text, words, subjects.subjectWords, subjects.names, short, trace));
  const minhash = short || words.length === 0 ? null : bottomValues(hashes, shingles);
  return { text, words, hashes, shingles, trace, key, minhash };
}

function capped(text: string): string {
  return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
}

/** The hidden text of the HTML parts: characters left out and their share of all the HTML text, to 3 places. */
function hiddenText(stats: HtmlTextStats | undefined): Pick<Fingerprint, "hiddenChars" | "hiddenShare"> {
  const hiddenChars = stats?.hiddenChars ?? 0;
  const total = hiddenChars + (stats?.visibleChars ?? 0);
  return { hiddenChars, hiddenShare: total === 0 ? 0 : Math.round((1000 * hiddenChars) / total) / 1000 };
}
