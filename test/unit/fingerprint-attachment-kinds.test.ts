/**
 * The kinds of a message's attachments (src/fingerprint/attachment-kinds.ts): what a scanner's ham verdict covers of
 * them (src/reputation/verdict-links.ts). The name is the sender's: it is read as a mail client would open it, and its
 * cost is bounded whatever its length.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { AttachmentKinds, attachmentKind, MAX_ATTACHMENT_KINDS } from "../../src/fingerprint/attachment-kinds.js";
import { runFingerprintTask, type ParserName } from "../../src/fingerprint/task.js";

void describe("attachmentKind", () => {
  const table: [string, string | false | undefined, string | false | undefined, string][] = [
    ["the extension of the name, lower-case", "Invoice.PDF", "application/pdf", ".pdf"],
    ["the last extension of a doubled one", "invoice.pdf.exe", "application/pdf", ".exe"],
    ["trailing dots and spaces dropped, as Windows does", "invoice.exe. . ", "application/pdf", ".exe"],
    ["no extension: the content type", "README", "Text/Calendar", "text/calendar"],
    ["no name: the content type", false, "image/png", "image/png"],
    [
      "an extension of other characters: the content type",
      "a.ex€",
      "application/octet-stream",
      "application/octet-stream",
    ],
    ["an extension over 10 characters: the content type", "a.abcdefghijk", "application/zip", "application/zip"],
    ["neither: unknown", undefined, false, "unknown"],
    ["a content type with a space or no slash: unknown", "", "text plain", "unknown"],
  ];
  for (const [name, filename, contentType, expected] of table) {
    void test(name, () => assert.equal(attachmentKind(filename, contentType), expected));
  }

  void test("a name of any length is read from its end only, and a kind never holds a space", () => {
    const padded = `${" .".repeat(200_000)}x${" ".repeat(200_000)}.zip`;
    assert.equal(attachmentKind(padded, "application/pdf"), ".zip");
    const spaces = `a${" ".repeat(300_000)}b`;
    assert.equal(attachmentKind(spaces, "application/pdf"), "application/pdf");
    assert.doesNotMatch(attachmentKind("a. b", "x/y z"), /\s/);
  });
});

void describe("AttachmentKinds", () => {
  void test("unique, sorted, at most MAX_ATTACHMENT_KINDS", () => {
    const kinds = new AttachmentKinds();
    kinds.add("b.zip", "application/zip");
    kinds.add("a.ZIP", "application/zip");
    kinds.add(false, "image/gif");
    assert.deepEqual(kinds.list(), [".zip", "image/gif"]);
    for (let i = 0; i < 3 * MAX_ATTACHMENT_KINDS; i++) kinds.add(`f.k${i}`, "application/octet-stream");
    assert.equal(kinds.list().length, MAX_ATTACHMENT_KINDS);
  });
});

const CRLF = "\r\n";
const PDF = Buffer.alloc(3000, 7).toString("base64");

/** A newsletter with an inline image, a PDF and a calendar entry without a name. */
const NEWSLETTER = [
  "Subject: your statement",
  "Content-Type: multipart/mixed; boundary=b",
  "",
  "--b",
  "Content-Type: text/plain",
  "",
  "Your statement for December is attached. Thank you for banking with us.",
  "--b",
  "Content-Type: image/gif",
  "Content-Disposition: inline",
  "",
  "GIF89a",
  "--b",
  'Content-Type: application/pdf; name="Statement 12.PDF"',
  'Content-Disposition: attachment; filename="Statement 12.PDF"',
  "Content-Transfer-Encoding: base64",
  "",
  PDF,
  "--b",
  "Content-Type: text/calendar",
  "Content-Disposition: attachment",
  "",
  "BEGIN:VCALENDAR",
  "--b--",
  "",
].join(CRLF);

async function kindsOf(raw: string, parser: ParserName, parseBytes = 65536) {
  const result = await runFingerprintTask({
    message: Buffer.from(raw, "latin1"),
    parseBytes,
    minWords: 3,
    attachmentMinBytes: 1024,
    parser,
  });
  assert.equal(result.status, "ok");
  return result.status === "ok" ? result.fingerprint : assert.fail("no fingerprint");
}

void describe("a fingerprint's attachment kinds", () => {
  for (const parser of ["fast", "mailparser"] as const) {
    void test(`every attachment's kind, whatever its size (${parser})`, async () => {
      const fp = await kindsOf(NEWSLETTER, parser);
      assert.deepEqual(fp.attachmentKinds, [".pdf", "image/gif", "text/calendar"]);
      assert.equal(fp.attachments.length, 1, "only the PDF is large enough for a digest");
    });
    void test(`a message without attachments has none (${parser})`, async () => {
      const fp = await kindsOf(["Subject: hi", "", "just a few words of text"].join(CRLF), parser);
      assert.deepEqual(fp.attachmentKinds, []);
    });
  }

  void test("the attachment a parse was cut in keeps its kind; the message is marked cut", async () => {
    const cutAt = NEWSLETTER.indexOf(PDF) + 100;
    const fp = await kindsOf(NEWSLETTER, "fast", cutAt);
    assert.equal(fp.truncated, true);
    assert.ok(fp.attachmentKinds.includes(".pdf"), fp.attachmentKinds.join(" "));
  });
});
