/**
 * The builtin scanner's rules: classic spam signs that need nothing installed, each with a score.
 * The table is data: a rule sees the parsed message and says whether it hits. The text is the sender's: every
 * pattern is linear in it (the lint rules against super-linear regular expressions pass, and a repeat that a
 * failed attempt would rescan from each start, such as the attributes of a tag, is bounded), and the scanner
 * hands the rules at most MAX_RULE_CHARS of each part (./builtin.ts).
 */
import { isProgramName, isWindowsProgram } from "./program-files.js";

/** What the rules look at, decoded. */
export interface RuleInput {
  /** The raw message, latin1-decoded (for GTUBE and header presence). */
  raw: string;
  subject: string;
  /** Plain text, or text derived from the HTML when there is no plain part. */
  text: string;
  /** The HTML part, empty when there is none. */
  html: string;
  /** Lower-case names of the header fields present. */
  headerNames: ReadonlySet<string>;
  /** The attached files: each one's name ("" when none) and its decoded content. */
  attachments: readonly { name: string; content: Uint8Array }[];
}

export interface BuiltinRule {
  /** SpamAssassin-style upper-case name, reported in the details. */
  name: string;
  score: number;
  description: string;
  test(input: RuleInput): boolean;
}

/** The Generic Test for Unsolicited Bulk Email (SpamAssassin's test string). */
export const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

/** Hosts of public URL shorteners. */
export const URL_SHORTENERS = [
  "bit.ly",
  "tinyurl.com",
  "goo.gl",
  "t.co",
  "ow.ly",
  "is.gd",
  "buff.ly",
  "rebrand.ly",
  "cutt.ly",
  "shorturl.at",
  "rb.gy",
  "tiny.cc",
];

const shortenerPattern = new RegExp(
  `https?://(?:www\\.)?(?:${URL_SHORTENERS.map((h) => h.replace(/\./g, "\\.")).join("|")})/`,
  "i",
);

const bodyOf = (i: RuleInput) => `${i.text}\n${i.html}`;

/** Signs of an advance-fee ("419") letter, after lower-casing and joining lines; three or more make the rule hit. */
const ADVANCE_FEE_SIGNS: readonly RegExp[] = [
  /next of kin/,
  /\bbeneficiar(?:y|ies)\b/,
  /transfer (?:of )?(?:the |this )?(?:said )?(?:funds?|money|sum)/,
  /\bmodalities\b/,
  /\blate (?:husband|father|client|president)\b/,
  /security (?:company|firm|vault)/,
  /foreign (?:partner|account)/,
  /(?:urgent|confidential) (?:business )?(?:proposal|assistance|transaction|reply)/,
  /strictly confidential/,
  /\d{1,3} ?(?:%|percent) of the (?:total )?(?:sum|fund|money|amount)/,
  /(?:million|billion) (?:united states |u\.?s\.? )?dollars/,
  /\bnigeria|\bsierra leone|\bcote d.ivoire|\babidjan|\bzaire|\bdemocratic republic of congo/,
  /god bless you/,
  /dormant (?:account|fund)/,
  /\bbank draft\b/,
];

/** The share of upper-case letters in `text`, or 0 under `minLetters` letters. */
function upperShare(text: string, minLetters: number): number {
  const letters = text.replace(/[^\p{L}]/gu, "");
  if (letters.length < minLetters) return 0;
  return letters.replace(/[^\p{Lu}]/gu, "").length / letters.length;
}

/** The rules, in the order they are reported. */
export const BUILTIN_RULES: readonly BuiltinRule[] = [
  {
    name: "GTUBE",
    score: 1000,
    description: "The GTUBE test string",
    test: (i) => i.raw.includes(GTUBE),
  },
  {
    name: "SUBJ_ALL_CAPS",
    score: 1.5,
    description: "A subject of at least 10 letters, all upper case",
    test: (i) => {
      const letters = i.subject.replace(/[^\p{L}]/gu, "");
      return letters.length >= 10 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
    },
  },
  {
    name: "SUBJ_EXCLAIM",
    score: 1.0,
    description: "Three or more exclamation marks in the subject",
    test: (i) => (i.subject.match(/!/g)?.length ?? 0) >= 3,
  },
  {
    name: "BODY_EXCLAIM",
    score: 1.0,
    description: "Runs of three or more exclamation marks, at least three times in the body",
    test: (i) => (i.text.match(/!{3,}/g)?.length ?? 0) >= 3,
  },
  {
    name: "CLICK_HERE",
    score: 1.0,
    description: '"Click here" in the body',
    test: (i) => /\bclick\s+(?:here|below|now)\b/i.test(bodyOf(i)),
  },
  {
    name: "MONEY_AMOUNT",
    score: 1.5,
    description: "Large sums of money",
    test: (i) =>
      /(?:[$€£]\s?\d{1,3}(?:[,.]\d{3})+|[$€£]\s?\d+(?:\.\d+)?\s*(?:million|billion|thousand)|\b\d+(?:\.\d+)?\s*(?:million|billion)\s*(?:dollars|usd|euros?|pounds))/i.test(
        `${i.subject}\n${i.text}`,
      ),
  },
  {
    name: "SPAM_PHRASES",
    score: 1.0,
    description: "Classic sales phrases (100% free, act now, limited time, risk free, guaranteed)",
    test: (i) =>
      /\b(?:100% free|act now|limited time offer|risk[- ]free|money back guarantee|no obligation|you have been selected|winner)\b/i.test(
        `${i.subject}\n${i.text}`,
      ),
  },
  {
    name: "REMOVE_INSTRUCTIONS",
    score: 2.0,
    description: "Bulk-mail removal instructions (to be removed, reply with remove, not spam, in compliance with)",
    test: (i) =>
      /(?:to be removed|removed? from (?:our|this|future) (?:mailing )?list|with (?:the word )?["']?remove["']? in the subject|this (?:is not|isn't) (?:a )?spam|in compliance with|bill s\.? ?1618|opt[- ]?in list|you (?:are receiving|received) this (?:e-?mail|message) because)/i.test(
        bodyOf(i),
      ),
  },
  {
    name: "SALES_WORDS",
    score: 1.5,
    description:
      "Three or more distinct sales words (order now, credit card, no cost, lowest price, mortgage, dear friend…)",
    test: (i) => {
      const text = `${i.subject}\n${i.text}`.toLowerCase();
      const words = [
        "order now",
        "credit card",
        "no cost",
        "lowest price",
        "mortgage",
        "dear friend",
        "call now",
        "special promotion",
        "free gift",
        "cash",
        "earn",
        "guarantee",
        "offer expires",
        "satisfaction",
        "investment",
        "income",
        "per week",
        "amazing",
        "free trial",
        "save up to",
        "unsecured",
        "debt",
        "loan",
        "viagra",
        "weight loss",
        "casino",
      ];
      return words.filter((w) => text.includes(w)).length >= 3;
    },
  },
  {
    name: "URL_SHORTENER",
    score: 1.5,
    description: "A link through a public URL shortener",
    test: (i) => shortenerPattern.test(bodyOf(i)),
  },
  {
    name: "HIDDEN_TEXT",
    score: 1.5,
    description: "HTML text hidden from the reader (display:none, visibility:hidden, zero font size, white on white)",
    test: (i) =>
      /(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\s*[;"']|<font[^<>]{1,256}?size\s*=\s*["']?0|color\s*[:=]\s*["']?#?(?:fff|ffffff|white)\b[^<>]{0,256}?background(?:-color)?\s*[:=]\s*["']?#?(?:fff|ffffff|white)\b)/i.test(
        i.html,
      ),
  },
  {
    name: "ADVANCE_FEE",
    score: 3.5,
    description:
      "Three or more signs of an advance-fee letter (next of kin, transfer of funds, late husband, security company…)",
    test: (i) => {
      const text = `${i.subject}\n${i.text}`.toLowerCase().replace(/\s+/g, " ");
      return ADVANCE_FEE_SIGNS.filter((sign) => sign.test(text)).length >= 3;
    },
  },
  {
    name: "BODY_UPPERCASE",
    score: 2.0,
    description: "More than half of the letters of a body of 200 letters or more are upper case",
    test: (i) => upperShare(i.text, 200) > 0.5,
  },
  {
    name: "DEAR_SOMETHING",
    score: 2.0,
    description: 'A line opening with an impersonal greeting ("Dear friend", "Dear sir/madam", "Dear beneficiary"…)',
    test: (i) =>
      /^[ \t]*dear (?:friend|sir(?:\s*\/\s*madam)?|madam|beneficiary|winner|customer|valued customer|account holder|user|member|homeowner|webmaster|business owner)\b/im.test(
        i.text,
      ),
  },
  {
    name: "NUMERIC_HTTP_ADDR",
    score: 2.0,
    description: "A link to a bare IPv4 address",
    test: (i) => /https?:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])/i.test(bodyOf(i)),
  },
  {
    name: "ADV_SUBJECT",
    score: 2.5,
    description: 'A subject starting with "ADV:", the label some laws required of advertising',
    test: (i) => /^\s*adv?\s*[:-]/i.test(i.subject),
  },
  {
    name: "HTML_FONT_BIG",
    score: 1.0,
    description: "HTML with a large font size (<font size=4> to 7, or +4 and up)",
    test: (i) => /<font[^<>]{1,256}?size\s*=\s*["']?\+?[4-7]/i.test(i.html),
  },
  {
    name: "MISSING_DATE",
    score: 1.0,
    description: "No Date header",
    test: (i) => !i.headerNames.has("date"),
  },
  {
    name: "MISSING_MID",
    score: 1.0,
    description: "No Message-ID header",
    test: (i) => !i.headerNames.has("message-id"),
  },
  {
    name: "HTML_ONLY",
    score: 0.5,
    description: "HTML with no plain-text alternative",
    test: (i) => i.html.length > 0 && !/^content-type:[ \t]*text\/plain/im.test(i.raw),
  },
  {
    name: "PROGRAM_ATTACHED",
    score: 6,
    description: "A program or a script attached, by its name or its content (spam alone: malware in bulk mail)",
    test: (i) => i.attachments.some((a) => isProgramName(a.name) || isWindowsProgram(a.content)),
  },
];
