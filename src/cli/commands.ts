/**
 * The `floodgate` commands: each one's options, arguments, example and how it runs (command-spec.ts). A command's
 * modules are loaded only when it runs, so `--help` and `version` start fast.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../util/paths.js";
import { benchSpec } from "./bench-command.js";
import { CONFIG_OPTION, REDIS_OPTION, type CommandSpec, type OptionSpec } from "./command-spec.js";
import { allowSpec, historySpec, reportSpec, unpinSpec } from "./relabel-commands.js";
import { UsageError } from "./usage-error.js";

const CONFIG = CONFIG_OPTION;
const REDIS = REDIS_OPTION;
const JSON_OUTPUT: OptionSpec = { type: "boolean", description: "print JSON instead of text" };

const context = () => import("./command-context.js");

/** Run `body` with the campaign store of `--config`/`--redis`, closing it after. */
async function withStore<T>(values: Record<string, unknown>, body: (ctx: Awaited<ReturnType<typeof open>>) => T) {
  const ctx = await open(values);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
const open = async (values: Record<string, unknown>) => (await context()).openStore(values["config"], values["redis"]);

export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    summary: "Run the milter, the fingerprint pool, the campaign store, the scan worker processes, metrics, alerting.",
    options: {
      config: CONFIG,
      listen: { type: "string", value: "SPEC", multiple: true, description: "listen here instead (several allowed)" },
      redis: { ...REDIS, description: "use this Redis instead of redis.url (none: a private redis-server)" },
    },
    examples: [
      "floodgate run --config /etc/floodgate/floodgate.yaml",
      "floodgate run --listen unix:/run/floodgate/milter.sock",
    ],
    async run({ values }) {
      const { runDaemon } = await import("../daemon/daemon.js");
      const listen = values["listen"] as string[] | undefined;
      return runDaemon({
        configPath: (await context()).configPathOf(values["config"]),
        ...(listen ? { listen } : {}),
        ...(typeof values["redis"] === "string" ? { redisUrl: values["redis"] } : {}),
      });
    },
  },

  worker: {
    summary: "Run one heavy-scan worker process (to scale scans out to other machines sharing the Redis).",
    options: { config: CONFIG, redis: REDIS },
    examples: ["floodgate worker --config /etc/floodgate/floodgate.yaml --redis redis://10.0.0.5:6379"],
    async run({ values }) {
      const { loadForCommand, redisUrlFor } = await context();
      const { config, logger } = loadForCommand(values["config"]);
      const { runScanWorkerProcess } = await import("../queue/worker-processes.js");
      return runScanWorkerProcess(config, await redisUrlFor(config, values["redis"]), logger);
    },
  },

  "check-config": {
    summary: "Validate a configuration file with the environment's overrides; list every error with its key.",
    options: { print: { type: "boolean", description: "also print the effective configuration, secrets redacted" } },
    positionals: { usage: "FILE", min: 1, max: 1 },
    examples: ["floodgate check-config /etc/floodgate/floodgate.yaml --print"],
    async run({ values, positionals }) {
      const { checkConfigCommand } = await import("./check-config-command.js");
      return checkConfigCommand(positionals[0]!, process.stdout, process.stderr, process.env, {
        print: values["print"] === true,
      });
    },
  },

  fingerprint: {
    summary:
      "Fingerprint message files as the milter does: one JSON line per file; or explain one, or compare two " +
      "(why they are or are not one campaign).",
    options: {
      config: CONFIG,
      explain: {
        type: "boolean",
        description: "for one FILE: the text a reader sees (hidden parts marked), the words, the keys",
      },
      compare: {
        type: "boolean",
        description:
          "for two FILEs: the MinHash values they share and whether they are one campaign (exit 0) or not (1)",
      },
    },
    positionals: { usage: "FILE...", min: 1, max: Infinity },
    examples: [
      "floodgate fingerprint spam/*.eml",
      "floodgate fingerprint --explain sample.eml",
      "floodgate fingerprint --compare a.eml b.eml",
    ],
    async run({ values, positionals }) {
      const explain = values["explain"] === true;
      const compare = values["compare"] === true;
      if (explain && compare) throw new UsageError("fingerprint takes --explain or --compare, not both");
      if (explain && positionals.length !== 1) throw new UsageError("fingerprint --explain takes one FILE");
      if (compare && positionals.length !== 2) throw new UsageError("fingerprint --compare takes two FILEs");
      const { config } = (await context()).loadForCommand(values["config"]);
      const { compareCommand, explainCommand, fingerprintCommand } = await import("./fingerprint-command.js");
      if (explain) return explainCommand(positionals[0]!, config, process.stdout);
      if (compare) return compareCommand(positionals[0]!, positionals[1]!, config, process.stdout);
      return fingerprintCommand(positionals, config, process.stdout);
    },
  },

  replay: {
    summary:
      "Replay a Maildir, an mbox or a folder of .eml files through fingerprinting and the campaign logic, in date " +
      "order, in a throwaway Redis: the campaigns, when each turned bulk, the holds and rejects, the thresholds used.",
    options: {
      config: CONFIG,
      redis: {
        type: "string",
        value: "URL",
        description: "replay in this Redis under a throwaway prefix, deleted after (else a private redis-server)",
      },
      "no-scan": { type: "boolean", description: "run no scanner (no verdicts, so no rejects)" },
      limit: { type: "string", value: "N", default: "100000", description: "messages read at most" },
      all: { type: "boolean", description: "list every campaign, not only those that turned bulk" },
      json: JSON_OUTPUT,
    },
    positionals: { usage: "PATH", min: 1, max: 1 },
    examples: [
      "floodgate replay ~/Maildir --config /etc/floodgate/floodgate.yaml",
      "floodgate replay archive.mbox --json --no-scan",
    ],
    async run({ values, positionals }) {
      const { config } = (await context()).loadForCommand(values["config"]);
      const limit = Number(values["limit"]);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit takes a positive whole number");
      const { replayCommand } = await import("./replay-command.js");
      return replayCommand(
        positionals[0]!,
        config,
        {
          redisUrl: typeof values["redis"] === "string" ? values["redis"] : null,
          scan: values["no-scan"] !== true,
          limit,
          json: values["json"] === true,
          all: values["all"] === true,
        },
        process.stdout,
      );
    },
  },

  campaigns: {
    summary: "List the top campaigns now: copies, recipients, senders, state.",
    options: {
      config: CONFIG,
      redis: REDIS,
      limit: { type: "string", value: "N", default: "20", description: "how many campaigns" },
      json: JSON_OUTPUT,
    },
    examples: ["floodgate campaigns --limit 5", "floodgate campaigns --json --redis redis://127.0.0.1:6379"],
    async run({ values }) {
      const { campaignsCommand } = await import("./campaigns-command.js");
      return withStore(values, (ctx) =>
        campaignsCommand(ctx.store, process.stdout, { limit: Number(values["limit"]), json: values["json"] === true }),
      );
    },
  },

  block: {
    summary: "Block a campaign on every Floodgate sharing this Redis, by its id or by a sample message of it.",
    options: {
      config: CONFIG,
      redis: REDIS,
      like: { type: "string", value: "FILE", description: "block the campaign this message belongs to" },
      ttl: { type: "string", value: "DURATION", default: "1d", description: "how long the block lasts (30m, 2h, 7d)" },
    },
    positionals: { usage: "[CAMPAIGN-ID]", min: 0, max: 1 },
    examples: ["floodgate block 3f2a9c0d81be --ttl 2h", "floodgate block --like sample.eml"],
    async run({ values, positionals }) {
      const like = values["like"];
      if ((positionals.length === 1) === (typeof like === "string"))
        throw new UsageError("block takes a campaign id or --like FILE");
      const { blockCommand } = await import("./campaigns-command.js");
      const { parseDuration } = await import("./duration.js");
      const { FingerprintPool } = await import("../fingerprint/pool.js");
      return withStore(values, async (ctx) => {
        const pool =
          typeof like === "string"
            ? new FingerprintPool({ ...ctx.config.fingerprint, taskTimeoutMs: 60_000, warmUpMessages: 0 })
            : null;
        try {
          const target = typeof like === "string" ? { likeFile: like } : { id: positionals[0]! };
          const ttlSeconds = parseDuration(String(values["ttl"]));
          return await blockCommand(ctx.store, pool, { ...target, ttlSeconds }, process.stdout);
        } finally {
          await pool?.close();
        }
      });
    },
  },

  unblock: {
    summary: "Lift a campaign's block on every Floodgate sharing this Redis.",
    options: { config: CONFIG, redis: REDIS },
    positionals: { usage: "CAMPAIGN-ID", min: 1, max: 1 },
    examples: ["floodgate unblock 3f2a9c0d81be"],
    async run({ values, positionals }) {
      const { unblockCommand } = await import("./campaigns-command.js");
      return withStore(values, (ctx) => unblockCommand(ctx.store, positionals[0]!, process.stdout));
    },
  },

  report: reportSpec,
  allow: allowSpec,
  unpin: unpinSpec,
  history: historySpec,

  status: {
    summary: "The queue, rates, alerts and campaigns of a running Floodgate; exit 2 while a critical alert fires.",
    options: {
      url: { type: "string", value: "URL", description: "the ops server (else metrics.host and metrics.port)" },
      json: JSON_OUTPUT,
      config: CONFIG,
    },
    examples: ["floodgate status", "floodgate status --url http://127.0.0.1:9464 --json"],
    async run({ values }) {
      let url = values["url"];
      if (typeof url !== "string") {
        const ctx = await context();
        url = ctx.opsUrl(ctx.loadForCommand(values["config"]).config.metrics);
      }
      const { statusCommand } = await import("./status-command.js");
      return statusCommand({ url, json: values["json"] === true }, process.stdout);
    },
  },

  shadow: {
    summary: "Read shadow mode of a running Floodgate, or switch it on or off (with the admin token).",
    options: {
      url: { type: "string", value: "URL", description: "the ops server (else metrics.host and metrics.port)" },
      socket: { type: "string", value: "PATH", description: "the ops server's unix socket (else metrics.socket)" },
      config: CONFIG,
    },
    positionals: { usage: "[on|off]", min: 0, max: 1 },
    examples: ["floodgate shadow", "floodgate shadow on --config /etc/floodgate/floodgate.yaml"],
    async run({ values, positionals }) {
      const switchTo = positionals[0];
      if (switchTo !== undefined && switchTo !== "on" && switchTo !== "off")
        throw new UsageError("shadow takes on, off, or nothing (to read it)");
      const ctx = await context();
      const { config } = ctx.loadForCommand(values["config"]);
      const { commandAdminToken } = await import("../ops/admin-token.js");
      const { openStateDir, resolveStateDir } = await import("../state/state-dir.js");
      const stateDir = () => openStateDir(resolveStateDir(config.state.dir)).path;
      const token = switchTo ? commandAdminToken(config.metrics, stateDir()) : null;
      const url = typeof values["url"] === "string" ? values["url"] : undefined;
      const socketOption = typeof values["socket"] === "string" ? values["socket"] : undefined;
      const socket = socketOption ?? (url ? undefined : (config.metrics.socket ?? undefined));
      const target = socket !== undefined ? { socket } : { url: url ?? ctx.opsUrl(config.metrics) };
      const { shadowCommand } = await import("./shadow-command.js");
      return shadowCommand({ target, token: token?.token ?? null, ...(switchTo ? { switchTo } : {}) }, process.stdout);
    },
  },

  bench: benchSpec,

  version: {
    summary: "Print the version.",
    options: {},
    examples: ["floodgate version"],
    async run() {
      const pkg = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string };
      process.stdout.write(`floodgate ${pkg.version}\n`);
      return 0;
    },
  },
};
