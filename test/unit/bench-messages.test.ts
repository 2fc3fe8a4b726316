/**
 * Where `floodgate bench` takes its messages from: a folder of message files or an mbox (mboxrd quoting undone), both
 * or neither of --ham and --spam, and a message that says what to give when there is nothing to send.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { corpusMix, messageSources } from "../../src/harness/messages.js";
import { readMessages, splitMbox } from "../../src/lab/mail-folder.js";

const message = (subject: string, body = "text") => `From: a@lab.example\nSubject: ${subject}\n\n${body}\n`;

void describe("bench messages from the operator's mail", () => {
  test("an mbox splits at From lines after an empty line; >From lines lose one >", () => {
    const mbox = Buffer.from(
      `From a@x Sat Jan  1 00:00:00 2000\n${message("one", "hello\n>From the start\nFrom inside a paragraph")}\n` +
        `From b@x Sat Jan  1 00:00:01 2000\r\n${message("two").replace(/\n/g, "\r\n")}`,
    );
    const messages = splitMbox(mbox, "box");
    assert.deepEqual(
      messages.map((m) => m.file),
      ["box#1", "box#2"],
    );
    const first = messages[0]!.bytes.toString();
    assert.match(first, /^From: a@lab\.example\nSubject: one\n/);
    assert.match(first, /\nFrom the start\nFrom inside a paragraph\n/);
    assert.match(messages[1]!.bytes.toString(), /^From: a@lab\.example\r\nSubject: two\r\n/);
  });

  test("a folder gives its files in name order, without dot files or sub-folders, up to the limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-bench-messages-"));
    try {
      writeFileSync(join(dir, "2"), message("second"));
      writeFileSync(join(dir, "1"), `From x@y Mon Jan  1 00:00:00 2001\n${message("first")}`);
      writeFileSync(join(dir, ".hidden"), message("hidden"));
      mkdirSync(join(dir, "sub"));
      const all = readMessages(dir);
      assert.deepEqual(
        all.map((m) => m.bytes.toString().split("\n")[1]),
        ["Subject: first", "Subject: second"],
      );
      assert.equal(readMessages(dir, 1).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--ham and --spam make the normal mix, with each message's kind", () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-bench-messages-"));
    try {
      mkdirSync(join(dir, "ham"));
      for (let i = 0; i < 3; i++) writeFileSync(join(dir, "ham", String(i)), message(`ham ${i}`));
      writeFileSync(join(dir, "spam.mbox"), `From s@x Sat Jan  1 00:00:00 2000\n${message("spam")}`);
      const sources = messageSources({ ham: join(dir, "ham"), spam: join(dir, "spam.mbox") });
      const mix = corpusMix({ sources, ham: 10, spam: 10 });
      assert.deepEqual(mix.map((m) => m.kind).sort(), ["ham", "ham", "ham", "spam"]);
      assert.ok(mix.every((m) => m.message.sender === "a@lab.example"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("one of --ham and --spam alone is refused", () => {
    assert.throws(() => messageSources({ ham: "/nowhere" }), /give both --ham and --spam/);
  });
});
