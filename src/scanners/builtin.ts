/**
 * The builtin scanner: the rules of `builtin-rules.ts` summed against a threshold. It works with nothing installed,
 * so a fresh installation always has a heavy scan.
 */
import { simpleParser } from "mailparser";
import { BUILTIN_RULES, type BuiltinRule, type RuleInput } from "./builtin-rules.js";
import { ScannerError, type ScanResult, type Scanner } from "./types.js";

export interface BuiltinOptions {
  /** A message scoring at or above this is spam. */
  threshold: number;
}

/** Score a message against the rules; pure apart from parsing. */
export function scoreRules(input: RuleInput, rules: readonly BuiltinRule[] = BUILTIN_RULES) {
  const hits = rules.filter((rule) => rule.test(input));
  const score = Math.round(hits.reduce((sum, rule) => sum + rule.score, 0) * 100) / 100;
  return { score, hits: hits.map((rule) => rule.name) };
}

/** Characters of the raw message, of its text and of its HTML the rules look at, each (the subject: 1,000). */
export const MAX_RULE_CHARS = 256 * 1024;
const MAX_SUBJECT_CHARS = 1000;

/** Decode a message into what the rules look at, each part cut at MAX_RULE_CHARS. */
export async function ruleInput(message: Buffer): Promise<RuleInput> {
  const parsed = await simpleParser(message, {
    skipImageLinks: true,
    skipTextToHtml: true,
    maxHtmlLengthToParse: MAX_RULE_CHARS,
  });
  const html = typeof parsed.html === "string" ? parsed.html : "";
  return {
    raw: message.toString("latin1", 0, Math.min(message.length, MAX_RULE_CHARS)),
    subject: (parsed.subject ?? "").slice(0, MAX_SUBJECT_CHARS),
    text: (parsed.text ?? "").slice(0, MAX_RULE_CHARS),
    html: html.slice(0, MAX_RULE_CHARS),
    headerNames: new Set([...parsed.headers.keys()].map((k) => k.toLowerCase())),
    attachments: parsed.attachments.map((a) => ({ name: a.filename ?? "", content: a.content })),
  };
}

/** A scanner running the builtin rules. */
export function createBuiltinScanner(options: BuiltinOptions): Scanner {
  const name = "builtin";
  return {
    name,
    saysHam: false,
    async scan(message, signal): Promise<ScanResult> {
      if (signal?.aborted) throw new ScannerError(name, "aborted", "the scan was aborted");
      let input: RuleInput;
      try {
        input = await ruleInput(message);
      } catch (err) {
        throw new ScannerError(name, "protocol", `cannot parse the message: ${(err as Error).message}`, { cause: err });
      }
      const { score, hits } = scoreRules(input);
      const weight = new Map(BUILTIN_RULES.map((rule) => [rule.name, rule.score]));
      const rules = [...hits].sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0));
      return { verdict: score >= options.threshold ? "spam" : "ham", score, threshold: options.threshold, rules };
    },
  };
}
