/**
 * The benchmark floors as ratios, each from two figures measured in the same `floodgate bench` run:
 * Postfix with Floodgate against Postfix alone, Floodgate's milter against the C no-op milter (the steady state,
 * with the first pass and the TS engine alone beside it), and Floodgate against spamass-milter in the SMTP flood.
 * A figure missing because its part failed leaves the ratio empty with the reason.
 */
import type { RatioRow } from "./report.js";
import type { BaselineResult, BenchReport } from "./bench-report.js";

type RatioInputs = Pick<BenchReport, "baselines" | "smtpSource" | "smtpFlood" | "options">;

/** Reads of one run's figures by name, and why the named parts that failed have none. */
function figuresOf(report: RatioInputs) {
  const base = (name: string) => report.baselines.find((b) => b.name === name);
  const src = (name: string) => report.smtpSource.find((s) => s.name === name);
  return {
    base,
    src,
    fl: (name: string) => report.smtpFlood.find((s) => s.name === name),
    mps: (b: BaselineResult | undefined) => (b?.load ? Math.round(b.load.messagesPerSecond) : null),
    srcMps: (name: string) => {
      const result = src(name)?.result;
      return result ? Math.round(result.messagesPerSecond) : null;
    },
    why: (...parts: Array<{ name: string; error?: string; result?: unknown; load?: unknown } | undefined>) =>
      parts
        .filter((p) => p && p.error)
        .map((p) => `${p!.name}: ${p!.error}`)
        .join("; "),
  };
}

/** The floors of the brief (and figures for context), from the figures measured in this run. */
export function ratiosOf(report: RatioInputs): RatioRow[] {
  const { base, src, fl, mps, srcMps, why } = figuresOf(report);
  const sessions = report.options.sessions;
  return [
    {
      name: "Postfix+Floodgate / Postfix alone (smtp-source)",
      numerator: srcMps("postfix + floodgate"),
      denominator: srcMps("postfix alone"),
      floor: 0.8,
      note: why(src("postfix + floodgate"), src("postfix alone")) || "Floodgate in shadow mode; medians of the rounds",
    },
    {
      name: `Floodgate milter / C no-op milter, ${sessions} sessions`,
      numerator: mps(base("floodgate-known")),
      denominator: mps(base("c-noop")),
      floor: 1.0,
      note:
        why(base("floodgate-known"), base("c-noop")) ||
        "full policy (pool, Redis, queue), the mix's campaigns known: the steady state of a flood",
    },
    {
      name: `Floodgate milter, new campaigns / C no-op milter, ${sessions} sessions`,
      numerator: mps(base("floodgate")),
      denominator: mps(base("c-noop")),
      floor: null,
      note: why(base("floodgate"), base("c-noop")) || "full policy, the mix's first pass: a scan job per new campaign",
    },
    {
      name: `TS engine (no-op policy) / C no-op milter, ${sessions} sessions`,
      numerator: mps(base("floodgate-ts-noop")),
      denominator: mps(base("c-noop")),
      floor: 1.0,
      note: why(base("floodgate-ts-noop"), base("c-noop")) || "the engine alone",
    },
    {
      name: "Floodgate / spamass-milter in the SMTP path, flood",
      numerator: fl("postfix + floodgate")?.result
        ? Math.round(fl("postfix + floodgate")!.result!.messagesPerSecond * 10) / 10
        : null,
      denominator: fl("postfix + spamass-milter")?.result
        ? Math.round(fl("postfix + spamass-milter")!.result!.messagesPerSecond * 10) / 10
        : null,
      floor: 20,
      note:
        why(fl("postfix + floodgate"), fl("postfix + spamass-milter")) ||
        "replies per second, 20 SMTP sessions; both scan with one spamd: Floodgate once per campaign, spamass-milter every copy",
    },
    {
      name: "Postfix+C no-op / Postfix alone (smtp-source)",
      numerator: srcMps("postfix + c-noop"),
      denominator: srcMps("postfix alone"),
      floor: null,
      note: why(src("postfix + c-noop")) || "the protocol's own cost, for context (real-mta-lab.md: 0.79–0.85)",
    },
    {
      name: "Postfix+C no-op, end of message only / Postfix alone (smtp-source)",
      numerator: srcMps("postfix + c-noop-eom"),
      denominator: srcMps("postfix alone"),
      floor: null,
      note:
        why(src("postfix + c-noop-eom")) ||
        "a milter that negotiates every stage away but end of message: what Postfix pays for having a milter at all",
    },
    {
      name: `rspamd proxy / C no-op milter, ${sessions} sessions`,
      numerator: mps(base("rspamd-proxy")),
      denominator: mps(base("c-noop")),
      floor: null,
      note: why(base("rspamd-proxy")) || "for context",
    },
  ];
}
