/**
 * A sample message as the console shows it: its headers of interest and the text a reader sees, with the text a
 * mail client would hide written between HIDDEN_OPEN and HIDDEN_CLOSE. The text is `floodgate fingerprint
 * --explain`'s (markedText: the fingerprint's own extractor with the configured `fingerprint` settings), so the page
 * shows exactly what fingerprinting read and left out. Run off the mail path, on a sample already capped in size;
 * the text is capped again at MAX_TEXT_CHARS.
 */
import { simpleParser } from "mailparser";
import { markedText, type ExplainOptions } from "../../fingerprint/explain.js";
import { HIDDEN_CLOSE, HIDDEN_OPEN } from "../../fingerprint/html-text.js";

/** Characters of text shown at most. */
export const MAX_TEXT_CHARS = 20_000;

export { HIDDEN_CLOSE, HIDDEN_OPEN };

export interface SampleText {
  from: string;
  subject: string;
  date: string | null;
  /** The text a reader sees; hidden parts between HIDDEN_OPEN and HIDDEN_CLOSE. */
  text: string;
  /** Where the text came from. */
  source: "html" | "text" | "none";
  attachments: { filename: string; contentType: string; size: number }[];
}

/** Read a sample message into what the campaign page shows; `options` are the fingerprint's (explainOptions). */
export async function sampleText(message: Buffer, options: ExplainOptions): Promise<SampleText> {
  // The headers and the attachments' names only: the text is the extractor's.
  const parsed = await simpleParser(message, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 0 });
  const text = (await markedText(message, options)).slice(0, MAX_TEXT_CHARS);
  return {
    from: parsed.from?.text ?? "",
    subject: parsed.subject ?? "",
    date: parsed.date ? parsed.date.toISOString() : null,
    text,
    source: typeof parsed.html === "string" && parsed.html !== "" ? "html" : parsed.text ? "text" : "none",
    attachments: parsed.attachments.slice(0, 50).map((a) => ({
      filename: a.filename ?? "",
      contentType: a.contentType,
      size: a.size,
    })),
  };
}
