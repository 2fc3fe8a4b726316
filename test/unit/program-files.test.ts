/**
 * The extension a mail client opens a file by (src/util/file-extension.ts) and the program files the scanners refuse
 * (src/scanners/program-files.ts). Names are the sender's: read from their end, at a bounded cost.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { isProgramName, isWindowsProgram } from "../../src/scanners/program-files.js";
import { openedExtension } from "../../src/util/file-extension.js";

void describe("openedExtension", () => {
  void test("the last extension, lower-case, after trailing dots and spaces", () => {
    assert.equal(openedExtension("Invoice.PDF"), "pdf");
    assert.equal(openedExtension("invoice.pdf.exe"), "exe");
    assert.equal(openedExtension("invoice.exe. . "), "exe");
    assert.equal(openedExtension("README"), null);
    assert.equal(openedExtension("a.ex€"), null);
    assert.equal(openedExtension("a.abcdefghijk"), null, "over 10 characters");
    assert.equal(openedExtension(""), null);
  });
  void test("a name of any length costs a pass over its trailing dots and spaces and 64 characters", () => {
    assert.equal(openedExtension(`${" .".repeat(300_000)}x${" ".repeat(300_000)}.zip`), "zip");
    assert.equal(openedExtension(`a${".".repeat(600_000)}`), null);
  });
});

void describe("program files", () => {
  void test("by name: programs, scripts, shortcuts and disk images; not documents, pages or Internet shortcuts", () => {
    for (const name of ["setup.exe", "a.pdf.js", "x.LNK", "disk.iso", "run.ps1", "app.hta", "c.vbs. "])
      assert.ok(isProgramName(name), name);
    for (const name of ["a.pdf", "notes.js.txt", "page.html", "logo.svg", "link.url", "archive.zip", "exe"])
      assert.ok(!isProgramName(name), name);
  });
  void test("by content: an MS-DOS header, whatever the name", () => {
    assert.ok(isWindowsProgram(Buffer.concat([Buffer.from("MZ"), Buffer.alloc(62)])));
    assert.ok(!isWindowsProgram(Buffer.from("MZ too short")));
    assert.ok(!isWindowsProgram(Buffer.concat([Buffer.from("%PDF"), Buffer.alloc(100)])));
  });
});
