/**
 * The SMTP-path comparisons of `floodgate bench`, each through its own private Postfix: `smtp-source` alone, with the
 * C no-op milter (every stage; end of message only) and with Floodgate (shadow mode), in rounds; and the campaign flood with Floodgate enforcing and with
 * spamass-milter, both scanning with one spamd. A part that cannot run is reported with the reason.
 */
import { startSpamd, type PrivateSpamd } from "../lab/spamd.js";
import {
  BENCH_SCANNERS,
  daemonAvailable,
  scanningWith,
  scanWorkerStarted,
  SCANNER_START_MS,
  startBenchDaemon,
  withBenchDaemon,
  type ConfigOverrides,
} from "./floodgate.js";
import type { BenchMessage } from "./messages.js";
import { errText, progress } from "./output.js";
import { medianRun } from "./stats.js";
import {
  runSmtpSource,
  smtpFlood,
  startBenchPostfix,
  type SmtpFloodResult,
  type SmtpSourceResult,
} from "./smtp-path.js";
import { startCNoop, startSpamassMilter, type CNoopMode, type MilterTarget } from "./targets.js";

/** What the SMTP runs take from the bench options. */
export interface SmtpRunOptions {
  /** Where daemon logs and configs go. */
  dir: string;
  redisUrl: string;
  /** smtp-source -m. */
  e2eMessages: number;
  /** Seconds of the flood. */
  durationSec: number;
  /** Run spamass-milter (and spamd for both). */
  peers: boolean;
}

/** A run through Postfix, or why it did not run. */
export interface PathResult<T> {
  name: string;
  /** The run that counts: the median of the rounds when there were several. */
  result: T | null;
  /** Messages per second of every round, in the order they ran (smtp-source only). */
  rounds?: number[];
  peakRssKb?: number | null;
  error?: string;
}

/** Rounds of the smtp-source comparison: each path once a round, in turned order every other round. */
export const SMTP_SOURCE_ROUNDS = 3;

/** A way through Postfix: its milter (null: none) and that milter's peak memory. */
interface SourcePath {
  name: string;
  spec: string | null;
  peakKb?: () => number | null;
}

/**
 * smtp-source through Postfix alone, with the C no-op milter (every stage, then end of message only), and with
 * Floodgate (shadow mode: it decides, never refuses). The milters start once; each round runs every path through a
 * fresh Postfix, in turned order every other round, so a slow moment of this shared machine lands on different
 * paths. Each path reports the median of its rounds, and every round's figure beside it.
 */
export async function runSmtpSourcePaths(options: SmtpRunOptions): Promise<Array<PathResult<SmtpSourceResult>>> {
  const paths: SourcePath[] = [{ name: "postfix alone", spec: null }];
  const notStarted: Array<PathResult<SmtpSourceResult>> = [];
  const stops: Array<() => Promise<void>> = [];
  const start = async (name: string, begin: () => Promise<SourcePath & { stop: () => Promise<void> }>) => {
    try {
      const started = await begin();
      stops.push(started.stop);
      paths.push(started);
    } catch (e) {
      notStarted.push({ name, result: null, error: errText(e) });
      progress(`smtp-source ${name} failed: ${errText(e)}`);
    }
  };
  const cNoop = (name: string, mode: CNoopMode) => async () => {
    const t: MilterTarget = await startCNoop({ mode });
    return { name, spec: t.postfixSpec, peakKb: () => t.memory.sample().selfKb, stop: () => t.stop() };
  };
  try {
    await start("postfix + c-noop", cNoop("postfix + c-noop", "every"));
    await start("postfix + c-noop-eom", cNoop("postfix + c-noop-eom", "eom"));
    await start("postfix + floodgate", async () => {
      if (!daemonAvailable()) throw new Error("floodgate run is not built");
      const d = await startBenchDaemon(options, "e2e", { policy: { shadow: true } });
      return {
        name: "postfix + floodgate",
        spec: d.spec,
        peakKb: () => d.memory.sample().selfKb,
        stop: () => d.stop(),
      };
    });
    const runs = new Map<string, SmtpSourceResult[]>(paths.map((p) => [p.name, []]));
    const errors = new Map<string, string>();
    for (let round = 1; round <= SMTP_SOURCE_ROUNDS; round++) {
      for (const path of round % 2 === 1 ? paths : [...paths].reverse()) {
        if (errors.has(path.name)) continue;
        progress(`smtp-source round ${round}: ${path.name}`);
        try {
          const pf = await startBenchPostfix(path.spec);
          try {
            const r = await runSmtpSource(pf.smtpPort, { sessions: 20, messages: options.e2eMessages, length: 4096 });
            progress(`smtp-source ${path.name}: ${r.messagesPerSecond.toFixed(0)} msg/s (exit ${r.exitCode})`);
            runs.get(path.name)!.push(r);
          } finally {
            await pf.stop();
          }
        } catch (e) {
          errors.set(path.name, errText(e));
          progress(`smtp-source ${path.name} failed: ${errText(e)}`);
        }
      }
    }
    const measured = paths.map((path): PathResult<SmtpSourceResult> => {
      const done = runs.get(path.name)!;
      const error = errors.get(path.name);
      if (done.length === 0) return { name: path.name, result: null, error: error ?? "did not run" };
      return {
        name: path.name,
        result: medianRun(done, (r) => r.messagesPerSecond)!,
        rounds: done.map((r) => r.messagesPerSecond),
        ...(path.peakKb ? { peakRssKb: path.peakKb() } : {}),
        ...(error ? { error } : {}),
      };
    });
    return [...measured, ...notStarted];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/**
 * The campaign flood through Postfix, with Floodgate enforcing and with spamass-milter: replies per second. Both
 * scan with the same private spamd (Floodgate once per campaign in its scan worker, spamass-milter every copy in the
 * SMTP path); with `--no-peers` Floodgate runs alone on its built-in rules.
 */
export async function runSmtpFloodPaths(
  options: SmtpRunOptions,
  flood: readonly BenchMessage[],
): Promise<Array<PathResult<SmtpFloodResult>>> {
  const out: Array<PathResult<SmtpFloodResult>> = [];
  const messages = flood.map((m) => ({
    ...m,
    message: { ...m.message, recipients: m.message.recipients.map((r) => r.replace(/@.*/, "@example.com")) },
  }));
  const through = async (name: string, milter: string) => {
    progress(`smtp flood: ${name}`);
    const pf = await startBenchPostfix(milter);
    try {
      const result = await smtpFlood(pf.smtpPort, messages, {
        concurrency: 20,
        maxMessages: 1_000_000,
        durationMs: options.durationSec * 1000,
        onProgress: (l) => progress(`${name} ${l}`),
      });
      out.push({ name, result });
    } finally {
      await pf.stop();
    }
  };
  let spamd: PrivateSpamd | null = null;
  let spamdError: string | null = options.peers ? null : "peers not run (--no-peers)";
  if (options.peers) {
    try {
      spamd = await startSpamd({ maxChildren: 2 });
    } catch (e) {
      spamdError = `spamd did not start: ${errText(e)}`;
    }
  }
  try {
    if (options.peers && !spamd) out.push({ name: "postfix + floodgate", result: null, error: spamdError! });
    else {
      try {
        if (!daemonAvailable()) throw new Error("floodgate run is not built");
        const scanners: ConfigOverrides = spamd
          ? { scanWorker: { scanners: [{ type: "spamd", port: spamd.port }] } }
          : BENCH_SCANNERS;
        await withBenchDaemon(options, "smtp-flood", scanners, async (d) => {
          progress(`smtp flood: floodgate scanning with ${await scanningWith(d.logPath, SCANNER_START_MS)}`);
          await scanWorkerStarted(d);
          await through("postfix + floodgate", d.spec);
        });
      } catch (e) {
        out.push({ name: "postfix + floodgate", result: null, error: errText(e) });
      }
    }
    if (spamd) {
      let t: MilterTarget | null = null;
      try {
        t = await startSpamassMilter({ spamd });
        await through("postfix + spamass-milter", t.postfixSpec);
      } catch (e) {
        out.push({ name: "postfix + spamass-milter", result: null, error: errText(e) });
      } finally {
        await t?.stop();
      }
    } else out.push({ name: "postfix + spamass-milter", result: null, error: spamdError! });
  } finally {
    await spamd?.stop();
  }
  return out;
}
