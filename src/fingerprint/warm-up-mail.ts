/**
 * Built-in mail the fingerprint threads warm up on (./warm-up.ts): message `index` of a deterministic, varied set,
 * in the shapes the extractor meets in real mail: plain text in 7bit, quoted-printable and base64; ASCII, latin1,
 * windows, UTF-8 and other charsets; HTML alone and as an alternative; mixed mail with attachments, related parts,
 * a forwarded message, format=flowed; encoded-word subjects, folded headers, recipients' names, an mbox line. A
 * daemon's code is compiled and optimised on these before real mail reaches it. Made up, never stored. Pure.
 */
import { encode as encodeQuotedPrintable, wrap } from "libqp";
import { seededRandom } from "../util/seeded-random.js";
import { htmlText, pick, plainText, sentence, type Rng, type TextKind } from "./warm-up-text.js";

/** How a text part is written: its charset, what its text may contain, and its transfer encoding. */
interface PartStyle {
  charset: string;
  kind: TextKind;
  encoding: "7bit" | "8bit" | "quoted-printable" | "base64";
}

const STYLES: readonly PartStyle[] = [
  { charset: "us-ascii", kind: "ascii", encoding: "7bit" },
  { charset: "iso-8859-1", kind: "ascii", encoding: "7bit" },
  { charset: "iso-8859-1", kind: "latin", encoding: "quoted-printable" },
  { charset: "windows-1252", kind: "latin", encoding: "8bit" },
  { charset: "utf-8", kind: "unicode", encoding: "quoted-printable" },
  { charset: "utf-8", kind: "unicode", encoding: "base64" },
  { charset: "utf-8", kind: "ascii", encoding: "7bit" },
  { charset: "koi8-r", kind: "latin", encoding: "8bit" },
  { charset: "iso-8859-2", kind: "latin", encoding: "quoted-printable" },
  { charset: "gb2312", kind: "latin", encoding: "base64" },
];

/** A part's bytes in its charset: latin1 and windows charsets as latin1 bytes, the others as UTF-8 (what they
 * decode to does not matter here, only that their decoders run). */
function bytesOf(text: string, style: PartStyle): Buffer {
  return Buffer.from(text, /^(?:iso-8859-1|windows-1252)$/.test(style.charset) ? "latin1" : "utf8");
}

function encodeBody(bytes: Buffer, encoding: PartStyle["encoding"]): string {
  if (encoding === "quoted-printable") return wrap(encodeQuotedPrintable(bytes), 76);
  if (encoding === "base64") return (bytes.toString("base64").match(/.{1,76}/g) ?? []).join("\r\n");
  return bytes.toString("latin1");
}

/** One text part: its header lines and body. */
function textPart(type: "plain" | "html", text: string, style: PartStyle, flowed = false): string {
  const params = `charset="${style.charset}"${flowed ? "; format=flowed" : ""}`;
  return (
    `Content-Type: text/${type}; ${params}\r\nContent-Transfer-Encoding: ${style.encoding}\r\n\r\n` +
    encodeBody(bytesOf(text, style), style.encoding).replace(/\r?\n/g, "\r\n")
  );
}

/** An attachment of `size` made-up bytes, base64. */
function attachment(rng: Rng, size: number, name: string, type: string, inline = false): string {
  const bytes = Buffer.alloc(size);
  const seed = Math.floor(rng() * 0x7fffffff);
  for (let i = 0; i < size; i++) bytes[i] = Math.imul(i + seed, 0x9e3779b1) >>> 24;
  const disposition = inline
    ? `inline; filename="${name}"\r\nContent-ID: <${name}@warm>`
    : `attachment; filename="${name}"`;
  return (
    `Content-Type: ${type}; name="${name}"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: ${disposition}\r\n\r\n` +
    encodeBody(bytes, "base64")
  );
}

function multipart(subtype: string, boundary: string, parts: string[]): string {
  const body = parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("");
  return `Content-Type: multipart/${subtype}; boundary="${boundary}"\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n${body}--${boundary}--\r\n`;
}

/** The subject, now and then as an encoded word. */
function subject(rng: Rng, style: PartStyle): string {
  const text = sentence(rng, style.kind).slice(0, 70);
  const roll = rng();
  if (roll < 0.2) return `=?UTF-8?B?${Buffer.from(text).toString("base64")}?=`;
  if (roll < 0.35) return `=?iso-8859-1?Q?${encodeQuotedPrintable(Buffer.from(text, "latin1")).replace(/ /g, "_")}?=`;
  return text.replace(/[^\x20-\x7e]/g, "?");
}

/** The top header block: trace lines, folded fields, recipients with names. */
function head(rng: Rng, index: number, style: PartStyle): string {
  const name = pick(rng, ["John Smith", "user9", "Anna Müller", "Support Team", "newsletter", "jm"]);
  const received = Array.from(
    { length: 1 + Math.floor(rng() * 5) },
    (_, i) =>
      `Received: from mail${i}.example.net (mail${i}.example.net [192.0.2.${(index + i) % 250}])\r\n\tby mx.example.org (Postfix) with ESMTP id ${index.toString(16)}${i}\r\n\tfor <user${index % 97}@example.org>; Tue, 3 Sep 2002 10:${String(i).padStart(2, "0")}:00 +0100`,
  );
  const cc = rng() < 0.3 ? `Cc: "${pick(rng, ["Bob", "Carol Jones", "team"])}" <cc${index}@example.com>\r\n` : "";
  return (
    `${received.join("\r\n")}\r\nMessage-ID: <${index}.${Math.floor(rng() * 1e9)}@example.net>\r\n` +
    `Date: Tue, 3 Sep 2002 10:00:00 +0100\r\nFrom: "${pick(rng, ["Sender", "Info Desk", "Zoë"])}" <from${index}@example.net>\r\n` +
    `To: "${name}" <user${index % 13}@example.org>\r\n${cc}Subject: ${subject(rng, style)}\r\n` +
    `X-Mailer: warm-up ${index}\r\nMIME-Version: 1.0\r\n`
  );
}

/** The body (its content headers first) of message `shape`. */
function body(rng: Rng, shape: number, style: PartStyle, words: number): string {
  const plain = () => plainText(rng, words, style.kind);
  const html = () => htmlText(rng, words, style.kind);
  const boundary = `----=_Part_${shape}_${Math.floor(rng() * 1e9)}`;
  switch (shape) {
    case 0:
      return textPart("plain", plain(), style);
    case 1:
      return textPart("html", html(), style);
    case 2:
      return multipart("alternative", boundary, [textPart("plain", plain(), style), textPart("html", html(), style)]);
    case 3:
      return multipart("mixed", boundary, [
        textPart("plain", plain(), style),
        attachment(rng, 1024 + Math.floor(rng() * 6000), "report.pdf", "application/pdf"),
        attachment(rng, 200, "small.txt", "application/octet-stream"),
      ]);
    case 4:
      return multipart("related", boundary, [
        textPart("html", html(), style),
        attachment(rng, 1500 + Math.floor(rng() * 3000), "logo.gif", "image/gif", true),
      ]);
    case 5:
      return multipart("mixed", boundary, [
        textPart("plain", plain(), style),
        `Content-Type: message/rfc822\r\n\r\n${head(rng, shape, style)}${textPart("plain", plain(), style)}`,
      ]);
    case 6:
      return textPart("plain", plain(), style, true);
    default:
      return multipart("mixed", boundary, [
        multipart("alternative", `${boundary}_alt`, [
          textPart("plain", plain(), style),
          textPart("html", html(), style),
        ]),
        attachment(rng, 2048, "data.zip", "application/zip"),
      ]);
  }
}

/** Kinds of message body `body` makes. */
const SHAPES = 8;

/** Message `index` of the warm-up set (any non-negative integer; the same bytes every time). */
export function warmUpMessage(index: number): Buffer {
  const rng = seededRandom(0x5eed + index * 7919);
  const style = STYLES[index % STYLES.length]!;
  const shape = Math.floor(index / STYLES.length) % SHAPES;
  // Mostly short mail, now and then a long one: the code paths of long text, at a fraction of its cost to make.
  const words = rng() < 0.1 ? 800 + Math.floor(rng() * 1200) : 20 + Math.floor(rng() * 300);
  const mbox = index % 7 === 0 ? `From from${index}@example.net Tue Sep  3 10:00:00 2002\n` : "";
  return Buffer.from(`${mbox}${head(rng, index, style)}${body(rng, shape, style, words)}`, "latin1");
}
