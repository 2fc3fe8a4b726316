/**
 * The further look past an attachment the first window was cut in (src/fingerprint/cut-attachment.ts): the rest of
 * the attachment is skipped, not read again, and what follows it is read as a whole further look reads it. The
 * delimiter lines are recognised as mailsplit recognises them, so a sender cannot hide the text after an attachment
 * behind a delimiter the skip misses; and a message whose attachment runs past the further look keeps the first
 * window's parts. An 8 KiB window keeps the messages small; the rule is relative to the window.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { withoutCutAttachment } from "../../src/fingerprint/cut-attachment.js";
import { extract, FURTHER_LOOK_FACTOR } from "../../src/fingerprint/task.js";
import { seededRandom } from "../../src/util/seeded-random.js";
import { randomWords } from "../support/random-words.js";

const WINDOW = 8 * 1024;
const B = Buffer.from("b1");

/** A body of lines joined by CRLF. */
const crlf = (...lines: string[]) => Buffer.from(lines.join("\r\n"));

void describe("cutting the attachment a window ended in out of the body read further", () => {
  const before = ["--b1", "Content-Type: text/plain", "", "a note", "--b1", "Content-Type: application/pdf", ""];
  const attachment = Array.from({ length: 40 }, (_, i) => `QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo${i}`);
  const windowEnd = crlf(...before, ...attachment.slice(0, 10)).length;

  void test("the attachment's part, from its delimiter line to the next, is cut out", () => {
    const body = crlf(...before, ...attachment, "--b1", "Content-Type: text/plain", "", "the text after", "--b1--", "");
    const rest = withoutCutAttachment(body, windowEnd, [B]);
    assert.equal(rest.kind, "cut");
    const expected = "--b1\r\nContent-Type: text/plain\r\n\r\na note\r\n--b1\r\nContent-Type: text/plain\r\n\r\n";
    assert.equal((rest as { body: Buffer }).body.toString(), `${expected}the text after\r\n--b1--\r\n`);
  });

  void test("with no delimiter after the window's end, nothing past the attachment is within reach", () => {
    assert.deepEqual(withoutCutAttachment(crlf(...before, ...attachment), windowEnd, [B]), { kind: "runs-past" });
  });

  void test("an attachment whose own delimiter line is not found is read again whole", () => {
    const body = crlf("Content-Type: text/plain", "", "no delimiter here", ...attachment, "--b1--");
    assert.deepEqual(withoutCutAttachment(body, 200, [B]), { kind: "unknown" });
    assert.deepEqual(withoutCutAttachment(body, 200, []), { kind: "unknown" });
  });

  const endings: Array<[string, string, boolean]> = [
    ["a delimiter line", "\r\n--b1\r\nX: y", true],
    ["a closing delimiter with blanks after it", "\r\n--b1--  \t\r\nepilogue", true],
    ["a closing delimiter ending the body", "\r\n--b1--", true],
    [
      "a delimiter line after a carriage return at the start of the line (§ mailsplit checkBoundary)",
      "\n\r--b1\r\n",
      true,
    ],
    ["a delimiter line ending in a run of carriage returns", "\r\n--b1\r\r\r\n", true],
    ["a delimiter ending in a bare line feed", "\n--b1\n", true],
    ["a longer boundary", "\r\n--b1x\r\n", false],
    ["one dash after the boundary", "\r\n--b1-\r\n", false],
    ["text after the boundary", "\r\n--b1 more\r\n", false],
    ["a delimiter not at the start of a line", "\r\nx--b1\r\n", false],
    ["a delimiter that is not closing ending the body", "\r\n--b1", false],
  ];
  for (const [what, ending, ends] of endings) {
    void test(`${what} ${ends ? "ends" : "does not end"} the attachment`, () => {
      const rest = withoutCutAttachment(
        Buffer.concat([crlf(...before, ...attachment), Buffer.from(ending)]),
        windowEnd,
        [B],
      );
      assert.equal(rest.kind, ends ? "cut" : "runs-past");
    });
  }

  void test("a delimiter of an enclosing multipart ends the attachment too, the earliest one counts", () => {
    const outer = Buffer.from("o9");
    const body = crlf(...before, ...attachment, "--o9", "Content-Type: text/plain", "", "outer text", "--b1", "");
    const rest = withoutCutAttachment(body, windowEnd, [B, outer]);
    assert.equal(rest.kind, "cut");
    assert.match(
      (rest as { body: Buffer }).body.toString(),
      /a note\r\n--o9\r\nContent-Type: text\/plain\r\n\r\nouter text/,
    );
  });

  void test("the attachment's own delimiter is not taken for the next one when the window ends right after it", () => {
    const body = crlf("--b1", "", "note", "\r--b1", "", "QQQQ", "--b1", "", "after", "--b1--", "");
    const windowEnd = body.indexOf("QQQQ");
    const rest = withoutCutAttachment(body, windowEnd, [B]);
    assert.equal((rest as { body: Buffer }).body.toString(), "--b1\r\n\r\nnote\r\n--b1\r\n\r\nafter\r\n--b1--\r\n");
  });

  void test("a delimiter straddling the window's end is found", () => {
    const body = crlf(...before, "QUJD", "--b1", "Content-Type: text/plain", "", "after");
    const cutInside = crlf(...before, "QUJD").length + 4; // inside "--b1"
    assert.equal(withoutCutAttachment(body, cutInside, [B]).kind, "cut");
  });
});

/** Attachment content: base64 lines, or 8-bit lines among which, past the first window's worth, some look like
 * delimiters and are not (past it, so that the attachment's own delimiter line is the last one before the window's
 * end, and a look-alike taken for the next one would put the attachment's bytes into the text). */
function attachmentLines(random: () => number, bytes: number, boundary: string, base64: boolean): string[] {
  const lines: string[] = [];
  for (let n = 0; n < bytes; n += 77) {
    if (base64 || n < WINDOW || random() < 0.9) {
      lines.push(Buffer.from(randomWords(random, 57)).toString("base64").slice(0, 76));
      continue;
    }
    lines.push(
      [`--${boundary}x`, `x--${boundary}`, `--${boundary}-`, `--${boundary} tail`, `-- ${boundary}`][
        Math.floor(random() * 5)
      ]!,
    );
  }
  return lines;
}

/** A message whose first window ends inside a large attachment, with text after it, in one of several shapes. */
function messageWithAttachment(seed: number): Buffer {
  const random = seededRandom(seed);
  const eol = random() < 0.7 ? "\r\n" : "\n";
  const outer = `o${seed}`;
  const inner = `i${seed}`;
  const nested = random() < 0.4;
  const base64 = random() < 0.6;
  const size = WINDOW * (1 + random() * 1.8);
  const attachment = [
    `Content-Type: application/octet-stream; name="f${seed}.bin"`,
    "Content-Disposition: attachment",
    `Content-Transfer-Encoding: ${base64 ? "base64" : "8bit"}`,
    "",
    ...attachmentLines(random, size, nested ? inner : outer, base64),
  ];
  const note = random() < 0.7 ? ["Content-Type: text/plain", "", randomWords(random, 60)] : null;
  const after = [
    ["Content-Type: text/plain; charset=utf-8", "", randomWords(random, 400)],
    ["Content-Type: text/html", "", `<html><body><p>${randomWords(random, 400)}</p></body></html>`],
    ["Content-Type: application/octet-stream", "Content-Disposition: attachment", "", randomWords(random, 200)],
  ].filter(() => random() < 0.7);
  if (after.length === 0) after.push(["Content-Type: text/plain", "", randomWords(random, 300)]);
  const lines = ["From: a@sender.example", "Subject: files", "MIME-Version: 1.0"];
  lines.push(`Content-Type: multipart/mixed; boundary="${outer}"`, "", "preamble");
  if (note) lines.push(`--${outer}`, ...note);
  if (nested) {
    lines.push(`--${outer}`, `Content-Type: multipart/mixed; boundary="${inner}"`, "", `--${inner}`, ...attachment);
    // the inner multipart is closed, or left open for the outer delimiter to end
    if (random() < 0.5) lines.push(`--${inner}--${random() < 0.5 ? "  " : ""}`);
  } else {
    lines.push(`--${outer}`, ...attachment);
  }
  for (const part of after) lines.push(`--${outer}`, ...part);
  lines.push(`--${outer}--`, random() < 0.5 ? "epilogue" : "");
  return Buffer.from(lines.join(eol));
}

void describe("the further look past an attachment reads what a whole further look reads", () => {
  void test("the text, HTML, subject, hidden counts and limit of 300 messages of various shapes equal a whole read's", async () => {
    let exercised = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const message = messageWithAttachment(seed);
      assert.ok(message.length <= WINDOW * FURTHER_LOOK_FACTOR, `seed ${seed}: within the further look`);
      const first = await extract(message, WINDOW, "fast", 64);
      // one window that holds the whole message: the further look as a whole read of it
      const whole = await extract(message, WINDOW * FURTHER_LOOK_FACTOR, "fast", 64);
      assert.equal(whole.truncated, false);
      if (first.bytesParsed > WINDOW * 1.05) exercised++;
      for (const field of ["text", "html", "subject", "hidden", "limit", "bytesParsed"] as const) {
        assert.deepEqual(first[field], whole[field], `seed ${seed}: ${field}`);
      }
    }
    assert.ok(exercised >= 150, `${exercised} of 300 messages were read further`);
  });

  void test("an attachment that names a boundary of its own is read whole: the text of a part inside it is read", async () => {
    const random = seededRandom(11);
    const data = attachmentLines(random, WINDOW * 2, "x", true).join("\r\n");
    const message = Buffer.from(
      `Subject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n` +
        `Content-Type: application/octet-stream; boundary="x"\r\nContent-Disposition: attachment\r\n\r\n${data}\r\n` +
        `--x\r\nContent-Type: text/plain\r\n\r\nthe offer inside the attachment\r\n--x--\r\n--b--\r\n`,
    );
    const whole = await extract(message, WINDOW * FURTHER_LOOK_FACTOR, "fast", 64);
    assert.equal(whole.text.trim(), "the offer inside the attachment", "mailsplit splits a part that names a boundary");
    assert.equal((await extract(message, WINDOW, "fast", 64)).text, whole.text);
  });

  void test("a short note with an attachment that runs past the further look keeps the first window's parts", async () => {
    const random = seededRandom(7);
    const note = randomWords(random, 300);
    const data = attachmentLines(random, WINDOW * (FURTHER_LOOK_FACTOR + 2), "z", true).join("\r\n");
    const message = Buffer.from(
      `Subject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\n` +
        `Content-Type: text/plain\r\n\r\n${note}\r\n--z\r\nContent-Type: application/pdf\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${data}\r\n--z\r\nContent-Type: text/plain\r\n\r\nbeyond reach\r\n--z--\r\n`,
    );
    const parts = await extract(message, WINDOW, "fast", 64);
    assert.equal(parts.text.trim(), note);
    assert.equal(parts.truncated, true);
    assert.ok(
      parts.bytesParsed > WINDOW * (FURTHER_LOOK_FACTOR - 1),
      `the further look spans ${parts.bytesParsed} bytes`,
    );
    assert.deepEqual(parts.attachments, [], "the cut attachment is left out, as before");
  });
});
