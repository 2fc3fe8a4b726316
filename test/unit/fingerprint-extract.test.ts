/**
 * The fast extractor: HTML to text (links, entities, skipped elements, quotes, hostile markup), MIME extraction
 * (subject, transfer encodings, charsets, format=flowed, which HTML gives text, attachments, truncation, limits),
 * the ASCII tokeniser against the Unicode one, and random input that must always give a fingerprint.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { fingerprintSchema } from "../../src/config/fingerprint-schema.js";
import { defaultConfig } from "../../src/config/schema.js";
import { extractParts } from "../../src/fingerprint/extract.js";
import { MAX_DEPTH, MAX_HEADER_BYTES, MAX_PARTS } from "../../src/fingerprint/mime-split.js";
import { reduceHead } from "../../src/fingerprint/message-head.js";
import { rawBodyText } from "../../src/fingerprint/raw-body.js";
import { htmlToText, MAX_HTML_TEXT_CHARS, MAX_QUOTE_PREFIX } from "../../src/fingerprint/html-text.js";
import {
  canonicalText,
  normaliseText,
  normaliseToken,
  tokenise,
  URL_TOKEN_PREFIX,
} from "../../src/fingerprint/normalise.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";

/** The normalised words of an HTML fragment, joined by spaces. */
function words(html: string): string {
  return normaliseText(htmlToText(html)).join(" ");
}

void describe("htmlToText", () => {
  const table: [string, string, string][] = [
    ["inline tags join, block tags separate", "<b>S</b>ale <div>one</div><div>two</div>", "sale one two"],
    ["table cells stay separate words", "<table><tr><td>foo</td><td>bar</td></tr></table>", "foo bar"],
    ["links keep their text and href", '<a href="http://x.example.com/a?u=1">Click</a>', "click urlhost_example.com"],
    [
      "a link shown as its own text counts once",
      '<a href="http://a.example.org/x">http://a.example.org/x</a>',
      "urlhost_example.org",
    ],
    [
      "mailto and in-page anchors add no URL",
      '<a href="mailto:a@b.example">mail</a> <a href="#top">top</a>',
      "mail top",
    ],
    [
      "image alt and http source",
      '<img alt="Big Sale" src="http://img.example.net/i.gif"> <img src="cid:x">',
      "big sale urlhost_example.net",
    ],
    ["entities decoded", "caf&eacute; &amp; cr&#232;me &lt;b&gt; &#x41;", "cafe creme b a"],
    [
      "script, style, title and head dropped",
      "<head><title>T</title><style>p{}</style></head><body>hi<script>if (a<b) x()</script> there</body>",
      "hi there",
    ],
    ["a head without body ends at body content", "<html><head><title>t</title><p>para text", "para text"],
    ["comments and declarations dropped", "<!DOCTYPE html><!-- <p>hidden</p> -->shown<![CDATA[x]]>", "shown"],
    ["a lone < is text", "1 < 2 and 3<4", "# # and # #"],
    [
      "quotes inside attributes do not end the tag",
      '<a title="x > y" href="http://q.example.com">q</a>',
      "q urlhost_example.com",
    ],
    ["an unterminated tag drops the rest", "before <a href='x", "before"],
    // \s matches U+FEFF: collapsed as white space it split each word it was slipped into, a word of salt per copy.
    [
      "a zero-width no-break space inside a word leaves it whole",
      "ship\ufeffped to\ufeffday \ufeffnow",
      "shipped today now",
    ],
  ];
  for (const [name, html, expected] of table) {
    void test(name, () => assert.equal(words(html), expected));
  }

  void test("blockquote lines are marked as quotes like text replies, and are words like the rest", () => {
    const own = Array.from({ length: 30 }, (_, i) => `word${"abcdefghijklmnopqrstuvwxyz"[i % 26]}`).join(" ");
    const html = `<p>${own}</p><blockquote>the quoted<br>original</blockquote>`;
    assert.match(htmlToText(html), /\n> the quoted\n> original/);
    assert.ok(normaliseText(htmlToText(html)).includes("quoted"));
  });

  void test("hostile markup finishes and yields a string", () => {
    for (const html of [
      "<".repeat(200_000),
      "<a ".repeat(100_000),
      '<a href="'.repeat(50_000),
      "<!--".repeat(50_000),
      "<script>" + "x".repeat(200_000),
      "<b>".repeat(100_000) + "deep",
      "&amp;".repeat(100_000),
    ]) {
      assert.equal(typeof htmlToText(html), "string");
    }
  });

  // Finding: 8,000 nested <blockquote> then 8,000 <br> (128 KB) grew the text to depth × lines (about 190 MB)
  // and killed the process with "Reached heap limit" in a fingerprint thread.
  void test("nested quotes cost a bounded prefix per line break, and the text is capped as it is written", () => {
    const bomb = "<blockquote>".repeat(8000) + "<br>".repeat(8000);
    const text = htmlToText(bomb);
    assert.ok(text.length <= MAX_HTML_TEXT_CHARS, `${text.length} characters`);
    assert.ok(text.length <= 20 * bomb.length, `${text.length} characters from ${bomb.length}`);
    const lines = htmlToText("<blockquote>".repeat(100) + "deep<br>quote").split("\n");
    assert.deepEqual(lines.slice(-2), [
      "> ".repeat(MAX_QUOTE_PREFIX) + "deep",
      "> ".repeat(MAX_QUOTE_PREFIX) + "quote",
    ]);
    assert.equal(htmlToText("<p>" + "word ".repeat(1000), 100).length, 100, "maxChars cuts the text");
    assert.equal(htmlToText("<br>".repeat(1000), 50).length, 50, "maxChars counts line breaks");
  });
});

const CRLF = "\r\n";

/** The parts of a whole message, as the fingerprint task gives them to the extractor. */
function extractFrom(bytes: Buffer, truncated = false) {
  return extractParts({ ...reduceHead(bytes), truncated }, 1024);
}
/** The task's fingerprint of `raw` with small limits; fails the test when there is none. */
async function fingerprintOf(raw: Buffer) {
  const result = await runFingerprintTask({ message: raw, parseBytes: 65536, minWords: 64, attachmentMinBytes: 1024 });
  assert.equal(result.status, "ok");
  return result.status === "ok" ? result.fingerprint : assert.fail("no fingerprint");
}

function message(lines: string[]): Buffer {
  return Buffer.from(lines.join(CRLF), "latin1");
}

void describe("extractParts", () => {
  void test("encoded-word subject, quoted-printable text", async () => {
    const parts = await extractFrom(
      message([
        "Subject: =?UTF-8?B?w6lsw6k=?= sale",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "caf=C3=A9 soft=",
        "break",
      ]),
    );
    assert.equal(parts.subject, "élé sale");
    assert.equal(parts.text.trim(), "café softbreak");
  });

  void test("base64 and an 8-bit charset", async () => {
    const body = Buffer.from("crème brûlée", "latin1").toString("base64");
    const parts = await extractFrom(
      message([
        "Subject: x",
        "Content-Type: text/plain; charset=iso-8859-1",
        "Content-Transfer-Encoding: base64",
        "",
        body,
      ]),
    );
    assert.equal(parts.text.trim(), "crème brûlée");
  });

  void test("format=flowed lines are joined", async () => {
    const parts = await extractFrom(
      message(["Subject: x", "Content-Type: text/plain; format=flowed", "", "one two ", "three"]),
    );
    assert.equal(parts.text.trim(), "one two three");
  });

  void test("an alternative gives the text of its HTML, what a mail client shows; links are always kept", async () => {
    const alternative = await extractFrom(
      message([
        "Subject: alt",
        "Content-Type: multipart/alternative; boundary=b",
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "plain words",
        "--b",
        "Content-Type: text/html",
        "",
        '<p>html words <a href="http://h.example.com/">x</a></p>',
        "--b--",
      ]),
    );
    assert.equal(normaliseText(alternative.text).join(" "), "html words x urlhost_example.com");
    assert.match(alternative.html, /h\.example\.com/);
    const mixed = await extractFrom(
      message([
        "Subject: mixed",
        "Content-Type: multipart/mixed; boundary=b",
        "",
        "--b",
        "Content-Type: text/html",
        "",
        "<p>only <b>html</b> here</p>",
        "--b--",
      ]),
    );
    assert.equal(normaliseText(mixed.text).join(" "), "only html here");
  });

  void test("hidden HTML text is left out of the words and its share reported in the fingerprint", async () => {
    const raw = message([
      "Subject: salted",
      "Content-Type: text/html",
      "",
      '<style>.s{font-size:0}</style><p>shown words</p><div class="s">salt salt salt salt salt salt</div>',
    ]);
    const parts = await extractFrom(raw);
    assert.equal(normaliseText(parts.text).join(" "), "shown words");
    const fingerprint = await fingerprintOf(raw);
    assert.equal(fingerprint.hiddenChars, 29);
    assert.equal(fingerprint.hiddenShare, 0.725);
  });

  void test("a 400-digit numeric reference leaves hidden text out: two salted copies are one campaign", async () => {
    // entities 4.5 threw on it; the task then fingerprinted the raw body, markup and salt included
    const salt = (seed: number) => Array.from({ length: 300 }, (_, i) => `s${(i * 7919 + seed * 104729) % 99991}`);
    const shown = Array.from({ length: 200 }, (_, i) => `word${(i * 7919) % 1000}`).join(" ");
    const copy = async (seed: number) => {
      const html = `<div style="display:none">${salt(seed).join(" ")}</div><p>${shown}</p>&#${"9".repeat(400)};`;
      return fingerprintOf(message(["Subject: salted", "Content-Type: text/html", "", html]));
    };
    const [a, b] = [await copy(1), await copy(2)];
    assert.equal(a.limit, null);
    assert.equal(a.words, 200);
    assert.ok(a.hiddenChars > 1000, `${a.hiddenChars} hidden characters`);
    assert.equal(a.direct, b.direct);
    assert.deepEqual(a.minhash, b.minhash);
  });

  void test("the text the previous fingerprint version read: the text/plain alternative, hidden HTML text", async () => {
    const previous = (raw: Buffer) =>
      extractParts({ ...reduceHead(raw), truncated: false }, 1024, { previousText: true });
    const alternative = message([
      "Subject: alt",
      "Content-Type: multipart/alternative; boundary=b",
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "plain words",
      "--b",
      "Content-Type: text/html",
      "",
      "<p>html words</p>",
      "--b--",
    ]);
    const parts = await previous(alternative);
    assert.equal(normaliseText(parts.text).join(" "), "html words");
    assert.equal(normaliseText(parts.previousText ?? "").join(" "), "plain words");
    assert.equal((await extractFrom(alternative)).previousText, undefined, "only when asked for");
    const salted = message([
      "Subject: salted",
      "Content-Type: text/html",
      "",
      '<p>shown <a href="http://x.example.com/"><span hidden>salt</span></a></p>',
    ]);
    const hidden = await previous(salted);
    assert.equal(normaliseText(hidden.text).join(" "), "shown urlhost_example.com");
    assert.equal(normaliseText(hidden.previousText ?? "").join(" "), "shown salt urlhost_example.com");
    const plain = message(["Subject: plain", "Content-Type: text/plain", "", "same words"]);
    assert.equal((await previous(plain)).previousText, undefined, "the same text is not given twice");
  });

  void test("attachments are decoded; small ones skipped; a truncated message loses its last one", async () => {
    const content = Buffer.alloc(3000, 7);
    const lines = [
      "Subject: att",
      "Content-Type: multipart/mixed; boundary=b",
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "see attached",
      "--b",
      "Content-Type: application/pdf",
      "Content-Transfer-Encoding: base64",
      "",
      content.toString("base64"),
      "--b",
      "Content-Type: text/plain",
      "Content-Disposition: attachment; filename=a.txt",
      "",
      "tiny",
      "--b--",
    ];
    const parts = await extractFrom(message(lines));
    assert.equal(parts.attachments.length, 1);
    assert.equal(
      createHash("sha1").update(parts.attachments[0]!).digest("hex"),
      createHash("sha1").update(content).digest("hex"),
    );
    assert.equal(normaliseText(parts.text).join(" "), "see attached", "a text attachment is not text");
    const cut = await extractFrom(message(lines), true);
    assert.equal(cut.attachments.length, 0);
  });

  // Findings ("ways past the filter"): MIME nested deeper than 64 levels, more than 1,000 parts and a header block
  // over 256 KB were refused by the extractor, so the message went out as `skipped; reason=parse`, uncounted.
  void test(`nesting deeper than ${MAX_DEPTH} levels stops the parse there; the raw body gives the words`, async () => {
    let nested = "Subject: deep\r\n";
    for (let i = 0; i <= MAX_DEPTH; i++) nested += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
    nested += "Content-Type: text/plain\r\n\r\nbottom of the nest\r\n";
    const parts = await extractFrom(Buffer.from(nested));
    assert.equal(parts.limit, "depth");
    assert.equal(parts.subject, "deep");
    assert.ok(normaliseText(parts.text).includes("nest"), "the text below the limit is read raw");
  });

  void test(`more than ${MAX_PARTS} parts: the parts before the limit, then the raw body`, async () => {
    let lines = "Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
    lines += "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    lines += Buffer.from("decoded first part").toString("base64") + "\r\n";
    for (let i = 0; i < MAX_PARTS + 10; i++) lines += `--b\r\nContent-Type: text/plain\r\n\r\npart\r\n`;
    lines += "--b\r\nContent-Type: text/plain\r\n\r\nthe payload after the limit\r\n--b--\r\n";
    const parts = await extractFrom(Buffer.from(lines));
    assert.equal(parts.limit, "parts");
    const words = normaliseText(parts.text);
    assert.ok(words.includes("decoded"), "a part before the limit is decoded");
    assert.ok(words.includes("payload"), "the raw body holds what comes after the limit");
  });

  void test("a header flood of any size is left out before parsing: the same parts as without it", async () => {
    const body = "Content-Type: text/plain\r\n\r\nthe words of the message\r\n";
    const plain = await extractFrom(Buffer.from(`Subject: flood\r\n${body}`));
    for (const flood of [
      "X-Pad: a\r\n".repeat(50_000),
      `X-Long: ${"a".repeat(MAX_HEADER_BYTES + 1024)}\r\n`,
      `X-Folded: a\r\n${" b\r\n".repeat(100_000)}`,
    ]) {
      const parts = await extractFrom(Buffer.from(`Subject: flood\r\n${flood}${body}`));
      assert.deepEqual(parts, plain);
      assert.equal(parts.limit, null);
    }
  });

  void test("a part's header block over the limit stops the parse there; the raw body gives the words", async () => {
    const flood = "X-Pad: a\r\n".repeat(40_000);
    const lines = `Subject: part flood\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n${flood}\r\nhidden words\r\n--b--\r\n`;
    const parts = await extractFrom(Buffer.from(lines));
    assert.equal(parts.limit, "header");
    assert.ok(normaliseText(parts.text).includes("hidden"));
  });
});

void describe("reduceHead and rawBodyText", () => {
  void test("the top header block keeps the first Subject and MIME fields with their folded lines, nothing else", () => {
    const raw = Buffer.from(
      "Received: a\r\n b\r\nSubject: one\r\n two\r\nsubject: again\r\nContent-Type: text/plain;\r\n charset=x\r\n" +
        "X-Other: y\r\n\r\nbody line\r\n",
    );
    const reduced = reduceHead(raw, 4);
    assert.equal(reduced.head.toString(), "Subject: one\r\n two\r\nContent-Type: text/plain;\r\n charset=x\r\n\r\n");
    assert.equal(reduced.body.toString(), "body");
    assert.equal(reduced.truncated, true, "the body is cut at the bytes to parse");
    assert.equal(reduceHead(Buffer.from("Subject: no body")).head.toString(), "Subject: no body\r\n\r\n");
  });

  void test("the raw body leaves out known delimiters and the part headers after them, and nothing else", () => {
    const body = Buffer.from(
      "preamble\r\n--b\r\nContent-Type: multipart/alternative;\r\n boundary=c\r\n\r\n--c\r\nX-A: 1\r\n\r\n" +
        "inner words\r\n-- \r\nsignature\r\n--unknown\r\nstill text\r\n--c--\r\n--b--\r\n",
    );
    const text = rawBodyText(body, 1000, 'Content-Type: multipart/mixed; boundary="b"');
    assert.equal(text, "preamble\r\ninner words\r\n-- \r\nsignature\r\n--unknown\r\nstill text\r\n");
    assert.equal(rawBodyText(body, 5, "").length, 5, "cut at maxChars");
  });
});

/** The tokeniser as first written, without its shortcuts: the specification the fast one must match. */
const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}`;
const REFERENCE_TOKEN = new RegExp(
  [
    String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'\x60\(\)\[\]\{\}\|\\\^]+`,
    String.raw`[\p{L}\p{N}._%+\-]{1,64}@[\p{L}\p{N}\-]{1,63}(?:\.[\p{L}\p{N}\-]{1,63}){1,8}`,
    `[${CJK}]`,
    String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}]]+`,
  ].join("|"),
  "gv",
);
function referenceTokenise(text: string): string[] {
  const words: string[] = [];
  for (const match of canonicalText(text).matchAll(REFERENCE_TOKEN)) {
    const word = normaliseToken(match[0]);
    if (word === null) continue;
    if (word.startsWith(URL_TOKEN_PREFIX) && words[words.length - 1] === word) continue;
    words.push(word);
  }
  return words;
}

void describe("the ASCII tokeniser", () => {
  const fragment = fc.constantFrom(
    "a", "Z", "x9", "12", "abc", "2nd", "a1b2c3", ".", "-", "_", "%", "+", "@", ":", "/", "?", "=", "&", " ",
    "\n", "\t", ">", "http://", "https://", "ftp://", "www.", "example", ".com", "mail", "[", "]", "(", "'", '"',
    "supercalifragilisticexpialidocious",
  ); // prettier-ignore
  void test("gives the words the Unicode rules give", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (pieces) => {
        const text = pieces.join("");
        assert.deepEqual(tokenise(text), referenceTokenise(text));
      }),
      { numRuns: 2000 },
    );
  });
});

void describe("the tokeniser against its reference", () => {
  const fragment = fc.constantFrom(
    "a", "Q", "7", "é", "e\u0301", "ß", "ж", "раураl", "日本", "カ", "\u00ad", "\u200b", "ﬁ", "٣", "x9", ".", "-",
    "_", "%", "+", "@", " ", "\n", "http://", "www.", "ex.com", "a@b.example", "2nd", "abcdefghijklmnopqrstuvwxyz",
  ); // prettier-ignore
  void test("gives the same words on mixed-script text", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (pieces) => {
        const text = pieces.join("");
        assert.deepEqual(tokenise(text), referenceTokenise(text));
      }),
      { numRuns: 2000 },
    );
  });

  void test("gives the same words on text mixing ASCII lines and lines of other scripts", () => {
    const line = fc.oneof(
      fc.constantFrom("plain ascii words here", "see http://example.com/a and", "www.example.com", "", "a@b.example"),
      fc.constantFrom("caf\u00e9 na\u00efve", "\u0440\u0430\u0443\u0440\u0430l http://example.com/a", "e\u0301t\u00e9"),
      fc.constantFrom("\u200bhidden", "\ufb01ne \u00ad", "\u65e5\u672c\u8a9e www.example.com", "x\u0301"),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), (lines, eol) => {
        const text = lines.join(eol);
        assert.deepEqual(tokenise(text), referenceTokenise(text));
      }),
      { numRuns: 2000 },
    );
  });
});

void describe("random input", () => {
  void test("always gives a fingerprint", async () => {
    const header = fc.constantFrom(
      "Content-Type: multipart/mixed; boundary=b\r\n",
      "Content-Type: text/html; charset=koi8-r\r\n",
      "Content-Transfer-Encoding: base64\r\n",
      "Content-Transfer-Encoding: quoted-printable\r\n",
      "Subject: =?utf-8?q?x=C3?=\r\n",
      "\r\n",
      "--b\r\n",
      "--b--\r\n",
      "<a href=x>",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            header,
            fc.string(),
            fc.uint8Array().map((b) => Buffer.from(b).toString("latin1")),
          ),
        ),
        async (pieces) => {
          const result = await runFingerprintTask({
            message: Buffer.from(pieces.join(""), "latin1"),
            parseBytes: 64 * 1024,
            minWords: 3,
            attachmentMinBytes: 16,
          });
          assert.equal(result.status, "ok");
        },
      ),
      { numRuns: 300 },
    );
  });
});

void describe("fingerprint.parser", () => {
  void test('defaults to "fast"; accepts "mailparser"; refuses anything else', () => {
    assert.equal(defaultConfig().fingerprint.parser, "fast");
    assert.equal(fingerprintSchema.parse({ parser: "mailparser" }).parser, "mailparser");
    assert.throws(() => fingerprintSchema.parse({ parser: "regex" }));
  });
});
