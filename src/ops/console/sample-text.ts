/**
 * A sample message as the console shows it: its headers of interest and the text a reader sees, with the text a
 * mail client would hide written between HIDDEN_OPEN and HIDDEN_CLOSE (the fingerprint's own HTML reader with
 * `markHidden`, so the page shows exactly what fingerprinting left out). Run off the mail path, on a sample already
 * capped in size; the text is capped again at MAX_TEXT_CHARS.
 */
import { simpleParser } from "mailparser";
import { htmlToText, HIDDEN_CLOSE, HIDDEN_OPEN } from "../../fingerprint/html-text.js";

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

/** Read a sample message into what the campaign page shows. */
export async function sampleText(message: Buffer): Promise<SampleText> {
  const parsed = await simpleParser(message, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 0 });
  const html = typeof parsed.html === "string" ? parsed.html : "";
  const text =
    html !== "" ? htmlToText(html, MAX_TEXT_CHARS, { markHidden: true }) : (parsed.text ?? "").slice(0, MAX_TEXT_CHARS);
  return {
    from: parsed.from?.text ?? "",
    subject: parsed.subject ?? "",
    date: parsed.date ? parsed.date.toISOString() : null,
    text,
    source: html !== "" ? "html" : parsed.text ? "text" : "none",
    attachments: parsed.attachments.slice(0, 50).map((a) => ({
      filename: a.filename ?? "",
      contentType: a.contentType,
      size: a.size,
    })),
  };
}
