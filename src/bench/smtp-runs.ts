/**
 * The SMTP-path comparisons of `floodgate bench`, each through its own private Postfix: `smtp-source` alone, with the
 * C no-op milter and with Floodgate (shadow mode); and the campaign flood with Floodgate enforcing and with
 * spamass-milter, both scanning with one spamd. A part that cannot run is reported with the reason.
 */
import { startSpamd, type PrivateSpamd } from "../../test/support/spamd.js";
import { daemonAvailable, withBenchDaemon, type ConfigOverrides } from "./floodgate.js";
import type { BenchMessage } from "./messages.js";
import { errText, progress } from "./output.js";
import {
  runSmtpSource,
  smtpFlood,
  startBenchPostfix,
  type SmtpFloodResult,
  type SmtpSourceResult,
} from "./smtp-path.js";
import { startCNoop, startSpamassMilter, type MilterTarget } from "./targets.js";

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
  result: T | null;
  peakRssKb?: number | null;
  error?: string;
}

/** smtp-source through Postfix alone, with the C no-op milter, and with Floodgate (shadow mode: it decides, never refuses). */
export async function runSmtpSourcePaths(options: SmtpRunOptions): Promise<Array<PathResult<SmtpSourceResult>>> {
  const out: Array<PathResult<SmtpSourceResult>> = [];
  const through = async (name: string, milter: string | null, peak?: () => number | null) => {
    progress(`smtp-source: ${name}`);
    const pf = await startBenchPostfix(milter);
    try {
      const result = await runSmtpSource(pf.smtpPort, { sessions: 20, messages: options.e2eMessages, length: 4096 });
      progress(`smtp-source ${name}: ${result.messagesPerSecond.toFixed(0)} msg/s (exit ${result.exitCode})`);
      out.push({ name, result, ...(peak ? { peakRssKb: peak() } : {}) });
    } finally {
      await pf.stop();
    }
  };
  const attempt = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (e) {
      out.push({ name, result: null, error: errText(e) });
      progress(`smtp-source ${name} failed: ${errText(e)}`);
    }
  };
  await attempt("postfix alone", () => through("postfix alone", null));
  await attempt("postfix + c-noop", async () => {
    const t = await startCNoop();
    try {
      await through("postfix + c-noop", t.postfixSpec, () => t.memory.sample().selfKb);
    } finally {
      await t.stop();
    }
  });
  await attempt("postfix + floodgate", async () => {
    if (!daemonAvailable()) throw new Error("floodgate run is not built");
    await withBenchDaemon(options, "e2e", { policy: { shadow: true } }, (d) =>
      through("postfix + floodgate", d.spec, () => d.memory.sample().selfKb),
    );
  });
  return out;
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
        const scanners: ConfigOverrides = spamd ? { worker: { scanners: [{ type: "spamd", port: spamd.port }] } } : {};
        await withBenchDaemon(options, "smtp-flood", scanners, (d) => through("postfix + floodgate", d.spec));
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
