/**
 * The commands by which a person relabels a campaign: `report` (through the running Floodgate's ops server, with the
 * admin token or the report-only token), `allow` and `unpin` (a pin, on the store as a block is), and `history` (who
 * relabelled a campaign, when and why).
 */
import type { Config } from "../config/schema.js";
import { CONFIG_OPTION, REDIS_OPTION, type CommandSpec, type OptionSpec } from "./command-spec.js";
import { UsageError } from "./usage-error.js";

const CONFIG = CONFIG_OPTION;
const REDIS = REDIS_OPTION;
const REASON: OptionSpec = { type: "string", value: "TEXT", description: "why, kept in the campaign's history" };

const context = () => import("./command-context.js");

export const reportSpec: CommandSpec = {
  summary:
    "Report messages as spam or ham to the running Floodgate, which finds each one's campaign and relabels it: the " +
    "operator's report (the admin token) decides; a mailbox user's (--reporter, the report-only token) counts " +
    "towards reports.reporters distinct users. The scanners learn every report. Standard input without FILE.",
  options: {
    undo: { type: "boolean", description: "take the report back (the scanners forget the message)" },
    reporter: { type: "string", value: "ADDRESS", description: "report as this mailbox user (report-only token)" },
    reason: REASON,
    "token-file": {
      type: "string",
      value: "FILE",
      description: "the token to send (else the admin token, or with --reporter the report-only token)",
    },
    url: { type: "string", value: "URL", description: "the ops server (else metrics.host and metrics.port)" },
    socket: { type: "string", value: "PATH", description: "the ops server's unix socket (else metrics.socket)" },
    config: CONFIG,
  },
  positionals: { usage: "spam|ham [FILE...]", min: 1, max: Infinity },
  examples: [
    "floodgate report spam sample.eml --reason 'phishing, customers complain'",
    "floodgate report ham --reporter alice@example.com < message.eml",
    "floodgate report --undo spam sample.eml",
  ],
  async run({ values, positionals }) {
    const [label, ...files] = positionals;
    const ctx = await context();
    const { config } = ctx.loadForCommand(values["config"]);
    const reporter = typeof values["reporter"] === "string" ? values["reporter"] : null;
    const token = await reportToken(config, reporter !== null, values["token-file"]);
    const url = typeof values["url"] === "string" ? values["url"] : undefined;
    const socketOption = typeof values["socket"] === "string" ? values["socket"] : undefined;
    const socket = socketOption ?? (url ? undefined : (config.metrics.socket ?? undefined));
    const target = socket !== undefined ? { socket } : { url: url ?? ctx.opsUrl(config.metrics) };
    const { reportCommand } = await import("./report-command.js");
    const { buffer } = await import("node:stream/consumers");
    const reason = typeof values["reason"] === "string" ? values["reason"] : null;
    const options = {
      target,
      label: labelOf(label),
      files,
      undo: values["undo"] === true,
      reporter,
      token,
      reason,
    };
    return reportCommand({ ...options, stdin: () => buffer(process.stdin) }, process.stdout, process.stderr);
  },
};

function labelOf(label: string | undefined): "spam" | "ham" {
  if (label !== "spam" && label !== "ham") throw new UsageError("report takes spam or ham, then the message files");
  return label;
}

/** The token a report sends: `--token-file`'s, else the report-only token for a mailbox user, else the admin token. */
async function reportToken(config: Config, asReporter: boolean, tokenFile: unknown): Promise<string | null> {
  const { readPrivateFile } = await import("../state/secret-file.js");
  if (typeof tokenFile === "string") return readPrivateFile(tokenFile, "shared");
  const { resolveStateDir } = await import("../state/state-dir.js");
  const stateDir = resolveStateDir(config.state.dir);
  if (asReporter) return (await import("../ops/reporter-token.js")).commandReporterToken(config.reports, stateDir);
  return (await import("../ops/admin-token.js")).commandAdminToken(config.metrics, stateDir)?.token ?? null;
}

/** `allow` and `unpin` share their options and their run. */
function pinSpec(which: "allow" | "unpin"): CommandSpec {
  return {
    summary:
      which === "allow"
        ? "Pin a campaign ham (legitimate bulk: a newsletter, login notices): never held or refused, no scan overrides it."
        : "Take a campaign's pin back.",
    options: { reason: REASON, config: CONFIG, redis: REDIS },
    positionals: { usage: "CAMPAIGN-ID", min: 1, max: 1 },
    examples: [
      `floodgate ${which} 3f2a9c0d81be --reason '${which === "allow" ? "the monthly newsletter" : "no longer sent"}'`,
    ],
    async run({ values, positionals }) {
      const { allowCommand, unpinCommand } = await import("./pin-command.js");
      const { operatorName } = await import("./report-command.js");
      const by = {
        actor: `operator:${operatorName()}`,
        reason: typeof values["reason"] === "string" ? values["reason"] : "",
      };
      const ctx = await (await context()).openStore(values["config"], values["redis"]);
      try {
        return which === "allow"
          ? await allowCommand(ctx.store, positionals[0]!, by, process.stdout)
          : await unpinCommand(ctx.store, positionals[0]!, by, ctx.config.reports, process.stdout);
      } finally {
        await ctx.close();
      }
    },
  };
}

export const allowSpec = pinSpec("allow");
export const unpinSpec = pinSpec("unpin");

export const historySpec: CommandSpec = {
  summary: "Who relabelled a campaign (blocks, reports, pins, re-scans), when, why, and the state it left.",
  options: { json: { type: "boolean", description: "print JSON instead of text" }, config: CONFIG, redis: REDIS },
  positionals: { usage: "CAMPAIGN-ID", min: 1, max: 1 },
  examples: ["floodgate history 3f2a9c0d81be"],
  async run({ values, positionals }) {
    const { historyCommand } = await import("./pin-command.js");
    const ctx = await (await context()).openStore(values["config"], values["redis"]);
    try {
      return await historyCommand(ctx.store, positionals[0]!, process.stdout, { json: values["json"] === true });
    } finally {
      await ctx.close();
    }
  },
};
