/**
 * A generator of personalised campaign variants of one spam message as whole RFC 5322 messages (the copies a bulk
 * sender would send to each recipient: names, tracking URLs, reference numbers, unsubscribe footers, different
 * headers, MIME encodings, line wrapping and HTML). Everything is deterministic (seeded PRNG).
 */
import { simpleParser } from "mailparser";
import { seededRandom } from "../util/seeded-random.js";

/** What a campaign is made from: the sender, subject and text of one spam message. */
export interface CampaignBase {
  from: string;
  subject: string;
  text: string;
}

/** The campaign base of a raw message (its decoded text; HTML-only mail gives the text of its HTML). */
export async function campaignBase(message: Buffer): Promise<CampaignBase> {
  const mail = await simpleParser(message, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  return {
    from: mail.from?.value[0]?.address || "offers@bulk.example.com",
    subject: mail.subject ?? "",
    text: mail.text ?? "",
  };
}

/** The Content-Transfer-Encoding of a variant's text parts. */
export type VariantEncoding = "8bit" | "quoted-printable" | "base64";
/** text/plain only, multipart/alternative (text and HTML), or text/html only. */
export type VariantLayout = "plain" | "alternative" | "html";

/** One personalised copy of a campaign. */
export interface CampaignVariant {
  message: Buffer;
  /** The From address (and envelope sender) of this copy. */
  sender: string;
  recipient: { name: string; address: string };
  encoding: VariantEncoding;
  layout: VariantLayout;
}

/** How `campaignVariants` personalises. */
export interface VariantOptions {
  /** PRNG seed. @defaultValue 1 */
  seed?: number;
  /** Greet the recipient by name (adds words to the text). Off leaves the words of the text unchanged, so the
   * direct digest survives. @defaultValue true */
  names?: boolean;
  /** Add a reference number and the unsubscribe footer (with the recipient's address). @defaultValue true */
  extras?: boolean;
  /** A spammer's trick applied to every copy on top of the personalisation (./evasion.ts). */
  evasion?: Evasion;
  /** Send to numbered accounts (`user7@…`, `user5318@…`, no display name) greeted as such ("Dear user7,"), as a
   * newsletter to a list of numbered users is. @defaultValue false */
  numbered?: boolean;
  /** Distinct senders the copies come from in turn (a botnet's or a snowshoe spammer's addresses: the base's
   * local part numbered, at its domain); 1 sends every copy from the base's address. @defaultValue 1 */
  senders?: number;
}

/** One paragraph of a copy: text (in every layout), or HTML that only the HTML rendering carries. */
export type Paragraph = string | { html: string };

/** A trick applied to each copy's paragraphs after personalisation (salt, look-alike letters, hidden text). */
export interface Evasion {
  /** Layouts the copies use (all three when absent): hidden text needs HTML. */
  layouts?: readonly VariantLayout[];
  /** The copy's paragraphs rewritten; `random` is the copy's share of the generator's seeded PRNG. */
  rewrite(paragraphs: string[], random: () => number): Paragraph[];
  /** The copy's subject rewritten (after its paragraphs), when the trick salts it too. */
  subject?(subject: string, random: () => number): string;
}

const FIRST = (
  "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard " +
  "Susan Joseph Jessica Thomas Sarah Karen Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark " +
  "Ashley Steven Emily Paolo Ingrid Yuki Ahmed Olga Sean Chloé Jürgen Priya Mateo"
).split(" ");
const LAST = (
  "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez " +
  "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis Walker " +
  "Young Allen King Wright Rossi Berg Tanaka Haddad Ivanova Murphy Dubois Schmidt Patel Silva"
).split(" ");
const DOMAINS = ["example.org", "example.com", "example.net", "mail.example.edu", "corp.example.co.uk"];
const GREETINGS = [
  (f: string, l: string) => `Dear ${f} ${l},`,
  (f: string) => `Hi ${f},`,
  (f: string, l: string) => `Hello ${f} ${l}!`,
  (f: string) => `${f}, this one is for you.`,
];
const URL_IN_TEXT = /\b(?:https?|ftp):\/\/[^\s<>"'()[\]{}]+/gi; // the normaliser's URL, without www. ones

/**
 * `count` personalised copies of a campaign as whole messages. Each has its own recipient (To:, greeting,
 * unsubscribe footer with the address), tracking paths and query strings on every URL, a reference number,
 * Message-ID and Date; the MIME encoding, line wrapping and layout (text, text+HTML alternative, HTML only)
 * vary between copies.
 */
export function campaignVariants(base: CampaignBase, count: number, options: VariantOptions = {}): CampaignVariant[] {
  const random = seededRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const variants: CampaignVariant[] = [];
  const senders = options.senders ?? 1;
  for (let i = 0; i < count; i++) {
    const sender = senders > 1 ? numberedSender(base.from, i % senders) : base.from;
    const first = pick(FIRST);
    const last = pick(LAST);
    const domain = pick(DOMAINS);
    // 1 to 4 digits in turn: "user7" and "user5318" are one campaign's
    const user = options.numbered ? `user${Math.floor(random() * 10 ** (1 + (i % 4)))}` : null;
    const address = (user ? `${user}@${domain}` : `${ascii(first)}.${ascii(last)}${i}@${domain}`).toLowerCase();
    const track = (url: string) => personaliseUrl(url, hex(16), hex(24), random() < 0.5);
    const lines: string[] = [];
    const extras = options.extras !== false;
    if (options.names !== false) lines.push(user ? `Dear ${user},` : pick(GREETINGS)(first, last), "");
    if (extras) lines.push(`Your reference number: ${digits(8 + Math.floor(random() * 3))}`, "");
    lines.push(base.text.replace(URL_IN_TEXT, track).trim(), "");
    if (extras) {
      lines.push("--", `This message was sent to ${address}.`);
      lines.push(`To stop receiving these messages: https://click.example.net/u/${hex(32)}`);
    }
    const paragraphs: Paragraph[] = options.evasion
      ? options.evasion.rewrite(lines.join("\n").split(/\n\s*\n/), random)
      : [lines.join("\n")];
    const subject = options.evasion?.subject ? options.evasion.subject(base.subject, random) : base.subject;
    const text = paragraphs.filter((p) => typeof p === "string").join("\n\n");
    const layouts = options.evasion?.layouts;
    const roll = random();
    const layout: VariantLayout = layouts ? pick(layouts) : roll < 0.5 ? "plain" : roll < 0.85 ? "alternative" : "html";
    const encoding = pick(["8bit", "quoted-printable", "base64"] as const);
    const width = pick([64, 72, 76, 998]);
    const date = new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + i * 37_000 + Math.floor(random() * 30_000));
    const headers = [
      `From: ${sender}`,
      user ? `To: ${address}` : `To: ${first} ${last} <${address}>`,
      `Subject: ${encodeHeader(subject)}`,
      `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
      `Message-ID: <${hex(20)}.${i}@mailer.example.net>`,
      "MIME-Version: 1.0",
    ];
    const body = renderBody(text, toHtml(paragraphs), layout, encoding, width, hex(12));
    const message = Buffer.from([...headers, ...body].join("\r\n") + "\r\n", "utf8");
    const name = user ? "" : `${first} ${last}`;
    variants.push({ message, sender, recipient: { name, address }, encoding, layout });
  }
  return variants;
}

/** The `n`-th of a sender's numbered addresses: `offers@bulk.example` → `offers7@bulk.example`. */
function numberedSender(address: string, n: number): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? `${address}${n}` : `${address.slice(0, at)}${n}${address.slice(at)}`;
}

function ascii(name: string): string {
  return name.normalize("NFD").replace(/[^A-Za-z]/g, "");
}

/** Add a tracking path segment (sometimes) and a per-recipient query parameter to a URL; the host is kept. */
function personaliseUrl(url: string, pathId: string, uid: string, withPath: boolean): string {
  const match = /^([a-z]+:\/\/[^/?#]+)((?:\/[^?#]*)?)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!match) return url;
  const [, origin = "", path = "", query = "", fragment = ""] = match;
  const newPath = withPath ? `/c/${pathId}${path || "/"}` : path || "/";
  const newQuery = query ? `${query}&uid=${uid}` : `?uid=${uid}`;
  return origin + newPath + newQuery + fragment;
}

function encodeHeader(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/** The MIME headers and body lines of one layout. */
function renderBody(
  text: string,
  htmlText: string,
  layout: VariantLayout,
  encoding: VariantEncoding,
  width: number,
  boundaryId: string,
): string[] {
  const plain = () => part("text/plain", wrap(text, width), encoding);
  const html = () => part("text/html", htmlText, encoding);
  if (layout === "plain") return plain();
  if (layout === "html") return html();
  const boundary = `=_alt_${boundaryId}`;
  return [
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    "This is a multi-part message in MIME format.",
    `--${boundary}`,
    ...plain(),
    `--${boundary}`,
    ...html(),
    `--${boundary}--`,
  ];
}

function part(type: string, content: string, encoding: VariantEncoding): string[] {
  const head = [`Content-Type: ${type}; charset=utf-8`, `Content-Transfer-Encoding: ${encoding}`, ""];
  const bytes = Buffer.from(content, "utf8");
  if (encoding === "base64") return [...head, ...chunk(bytes.toString("base64"), 76)];
  if (encoding === "quoted-printable") return [...head, ...encodeQuotedPrintable(content)];
  return [...head, ...content.split("\n")];
}

function chunk(value: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += size) out.push(value.slice(i, i + size));
  return out;
}

/** Re-wrap every line longer than `width` at spaces (a mail client's line wrapping). */
export function wrap(text: string, width: number): string {
  return text
    .split("\n")
    .map((line) => {
      if (line.length <= width) return line;
      const out: string[] = [];
      let current = "";
      for (const word of line.split(" ")) {
        if (current && current.length + 1 + word.length > width) {
          out.push(current);
          current = word;
        } else current = current ? `${current} ${word}` : word;
      }
      out.push(current);
      return out.join("\n");
    })
    .join("\n");
}

/** RFC 2045 quoted-printable of UTF-8 text, soft line breaks at 76 characters. */
export function encodeQuotedPrintable(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const bytes = Buffer.from(line, "utf8");
    let encoded = "";
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      encoded += literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    while (encoded.length > 76) {
      let cut = 75;
      // never split an =XX escape
      const eq = encoded.lastIndexOf("=", cut);
      if (eq > cut - 3) cut = eq;
      out.push(encoded.slice(0, cut) + "=");
      encoded = encoded.slice(cut);
    }
    out.push(encoded);
  }
  return out;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A marketing-style HTML rendering of the paragraphs: text ones as paragraphs with each URL as a link, HTML
 * ones as they are. */
function toHtml(paragraphs: readonly Paragraph[]): string {
  const blocks = paragraphs.flatMap((block) => {
    if (typeof block !== "string") return [block.html];
    return block.split(/\n\s*\n/).map((p) => {
      const linked = escapeHtml(p).replace(URL_IN_TEXT, (url) => `<a href="${url}">${url}</a>`);
      return `<p style="font-family:Arial,sans-serif;font-size:14px">${linked.replace(/\n/g, "<br>\n")}</p>`;
    });
  });
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body>\n${blocks.join("\n")}\n</body></html>`;
}
