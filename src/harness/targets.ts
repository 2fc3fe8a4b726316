/**
 * The milters a benchmark measures, each started as its own process on a free loopback port and stopped by the
 * harness: the TypeScript engine with the no-op policy (or with the fingerprint-only policy), the C no-op milter on
 * libmilter, rspamd's milter proxy (self-scan, network checks off) and spamass-milter with a private spamd. A peer
 * that cannot start is reported with the reason, never replaced by a figure.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../util/tcp-port.js";
import { distRoot, projectRoot } from "../util/paths.js";
import { DAEMON_NODE_FLAGS } from "../util/node-flags.js";
import { startSpamd, type PrivateSpamd } from "../lab/spamd.js";
import { PeakMemory, spawnListening, type Child } from "./procs.js";

/** A milter listening on loopback. */
export interface MilterTarget {
  name: string;
  /** For src/client: `inet:127.0.0.1:PORT`. */
  spec: string;
  /** For Postfix's smtpd_milters (the same form). */
  postfixSpec: string;
  /** The main process. */
  pid: number;
  /** The processes whose trees do the work (CPU accounting): the main one, and spamd for spamass-milter. */
  cpuRoots: number[];
  /** Its Redis, when it has one that is not its child (a daemon's private Redis is: found among its children). */
  redisPid?: number;
  memory: PeakMemory;
  stop(): Promise<void>;
}

const inet = (port: number) => `inet:127.0.0.1:${port}`;

/**
 * A Floodgate engine with the no-op policy, in its own node process (dist/src/harness/noop-daemon.js), with the
 * daemon's V8 flags, so it is the engine Floodgate runs: the TypeScript engine, or the libmilter engine (Debian's
 * libmilter through the shim in native/; it throws, with the reason, where that cannot load).
 */
export async function startTsNoop(
  logLevel = "warn",
  engine: "typescript" | "libmilter" = "typescript",
): Promise<MilterTarget> {
  const typescript = engine === "typescript";
  return startNodeMilter("noop-daemon.js", [logLevel, engine], {
    name: typescript ? "floodgate-ts-noop" : "floodgate-libmilter-noop",
    what: typescript ? "the TypeScript no-op milter" : "the libmilter engine's no-op milter",
  });
}

/**
 * The TypeScript engine with the fingerprint-only policy and Floodgate's fingerprint pool on its defaults, in its own
 * node process (dist/src/harness/fingerprint-only-daemon.js) with the daemon's V8 flags.
 */
export function startTsFingerprintOnly(logLevel = "warn"): Promise<MilterTarget> {
  return startNodeMilter("fingerprint-only-daemon.js", [logLevel], {
    name: "floodgate-ts-fingerprint",
    what: "the TypeScript engine with the fingerprint-only policy",
  });
}

/**
 * The TypeScript engine with the crossings-only policy (dist/src/harness/crossings-daemon.js): the fingerprint pool's
 * hand-off with a task that does not read the message, and one GET on a private Redis of its own (in a new folder
 * under the system's temporary one), with the daemon's V8 flags.
 */
export async function startTsCrossings(logLevel = "warn"): Promise<MilterTarget> {
  const stateDir = mkdtempSync(join(tmpdir(), "fg-crossings-"));
  const milter = await startNodeMilter("crossings-daemon.js", [stateDir, logLevel], {
    name: "floodgate-ts-crossings",
    what: "the TypeScript engine with the crossings-only policy",
  });
  return {
    ...milter,
    stop: async () => {
      await milter.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A process entry of dist/src/harness, given the listen spec then `args`, run with the daemon's V8 flags. */
async function startNodeMilter(
  entry: string,
  args: string[],
  label: { name: string; what: string },
): Promise<MilterTarget> {
  const port = await freePort();
  const argv = [...DAEMON_NODE_FLAGS, join(distRoot, "src/harness", entry), inet(port), ...args];
  const child = await spawnListening(process.execPath, argv, port, {
    what: label.what,
    stdio: ["pipe", "pipe", "pipe"],
  });
  return target(label.name, port, child);
}

/**
 * What the C no-op milter takes of a session: "every" stage the MTA offers (its default); "read" the whole message
 * (headers, end of header and body under no-reply promises, DATA answered, one header added: `-r`), the fair
 * reference for a milter that must read the message; "eom" end of message only (`-e`), the least conversation;
 * "data-eom" DATA and end of message (`-d`), the least conversation that keeps Postfix out of the Nagle trap.
 */
export type CNoopMode = "every" | "read" | "eom" | "data-eom";

/** The C no-op milter on stock libmilter, with TCP_NODELAY (`-n`) unless `nagle`, taking what `mode` says. */
export async function startCNoop(options: { nagle?: boolean; mode?: CNoopMode } = {}): Promise<MilterTarget> {
  const binary = join(projectRoot, "native/build/noop-milter");
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run make native (needs libmilter-dev)`);
  const port = await freePort();
  const mode = options.mode ?? "every";
  const modeFlag = { every: [], read: ["-r"], eom: ["-e"], "data-eom": ["-d"] }[mode];
  const args = [...(options.nagle ? [] : ["-n"]), ...modeFlag, `inet:${port}@127.0.0.1`];
  const child = await spawnListening(binary, args, port, { what: "the C no-op milter" });
  const name = options.nagle ? "c-noop-nagle" : mode === "every" ? "c-noop" : `c-noop-${mode}`;
  // Killed at once: it keeps nothing, and libmilter sees a stop only when the poll of its listening socket times out
  // (every 5 s), which each stop would otherwise wait for.
  return target(name, port, { ...child, stop: () => child.stop(0) });
}

/** A target for a milter `child` listening on `port`; `extra` runs after it stopped (a helper's own stop). */
export function target(
  name: string,
  port: number,
  child: Child,
  extra?: () => Promise<void>,
  helpers: number[] = [],
): MilterTarget {
  return {
    name,
    spec: inet(port),
    postfixSpec: inet(port),
    pid: child.pid,
    cpuRoots: [child.pid, ...helpers],
    memory: new PeakMemory(child.pid),
    stop: async () => {
      await child.stop();
      await extra?.();
    },
  };
}

/** Modules that look things up on the network (DNS lists, SPF/DKIM/DMARC, fuzzy hashes) or need Redis: all off. */
const RSPAMD_NETWORK_MODULES = [
  "rbl",
  "surbl",
  "spf",
  "dkim",
  "dmarc",
  "arc",
  "asn",
  "emails",
  "fuzzy_check",
  "mx_check",
  "dkim_signing",
  "reputation",
  "greylist",
  "ratelimit",
  "replies",
  "neural",
  "url_redirector",
  "history_redis",
  "dcc",
  "p0f",
  "antivirus",
  "external_services",
  "rspamd_update",
  "phishing",
  "whitelist",
  "bimi",
  "metadata_exporter",
  "clickhouse",
  "elastic",
];

/** rspamd 3.4's proxy worker in milter mode, scanning itself, on a free port; nothing in /etc is changed. */
export async function startRspamdProxy(): Promise<MilterTarget> {
  if (!existsSync("/usr/bin/rspamd")) throw new Error("rspamd is not installed (apt-get install -y rspamd)");
  const dir = mkdtempSync(join(tmpdir(), "floodgate-bench-rspamd-"));
  const [port, normalPort, controllerPort, dnsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const conf = join(dir, "conf");
  for (const d of ["local.d", "override.d", "db", "run", "log"])
    mkdirSync(join(dir, d === "local.d" || d === "override.d" ? `conf/${d}` : d), { recursive: true });
  const w = (rel: string, text: string) => writeFileSync(join(conf, rel), text);
  w(
    "override.d/worker-proxy.inc",
    [
      `bind_socket = "127.0.0.1:${port}";`,
      "milter = yes;",
      "timeout = 120s;",
      "count = 1;",
      "max_retries = 5;",
      'upstream "local" { default = yes; self_scan = yes; }',
      'spam_header = "X-Spam";',
      "discard_on_reject = false;",
      "quarantine_on_reject = false;",
      'reject_message = "Spam message rejected";',
    ].join("\n") + "\n",
  );
  w("override.d/worker-normal.inc", `bind_socket = "127.0.0.1:${normalPort}";\nmime = true;\ncount = 1;\n`);
  w("override.d/worker-controller.inc", `bind_socket = "127.0.0.1:${controllerPort}";\ncount = 1;\n`);
  // A nameserver where nothing answers on loopback (refused at once) and short timeouts: no DNS waits.
  w(
    "local.d/options.inc",
    `dns {\n  nameserver = ["127.0.0.1:${dnsPort}"];\n  timeout = 0.05s;\n  retransmits = 1;\n}\n`,
  );
  w("local.d/logging.inc", 'level = "error";\n');
  for (const m of RSPAMD_NETWORK_MODULES) w(`local.d/${m}.conf`, "enabled = false;\n");
  const args = [
    "-f",
    "-i",
    "-u",
    "root",
    "-g",
    "root",
    "-c",
    "/etc/rspamd/rspamd.conf",
    `--var=LOCAL_CONFDIR=${conf}`,
    `--var=DBDIR=${join(dir, "db")}`,
    `--var=RUNDIR=${join(dir, "run")}`,
    `--var=LOGDIR=${join(dir, "log")}`,
  ];
  try {
    const child = await spawnListening("/usr/bin/rspamd", args, port, { what: "rspamd", timeoutMs: 60_000 });
    return target("rspamd-proxy", port, child, async () => rmSync(dir, { recursive: true, force: true }));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * spamass-milter 0.4 in front of a spamd: `spamd` when given (shared with another milter, left running), otherwise a
 * private one with `children` children (local tests only), stopped with the milter.
 */
export async function startSpamassMilter(
  options: { children?: number; spamd?: PrivateSpamd } = {},
): Promise<MilterTarget> {
  if (!existsSync("/usr/sbin/spamass-milter"))
    throw new Error("spamass-milter is not installed (apt-get install -y spamass-milter)");
  const spamd = options.spamd ?? (await startSpamd({ maxChildren: options.children ?? 2 }));
  const stopOwnSpamd = () => (options.spamd ? Promise.resolve() : spamd.stop());
  try {
    const port = await freePort();
    const child = await spawnListening(
      "/usr/sbin/spamass-milter",
      ["-p", `inet:${port}@127.0.0.1`, "--", "-d", "127.0.0.1", "-p", String(spamd.port)],
      port,
      {
        what: "spamass-milter",
      },
    );
    return target(
      "spamass-milter",
      port,
      child,
      stopOwnSpamd,
      spamd.process.pid === undefined ? [] : [spamd.process.pid],
    );
  } catch (err) {
    await stopOwnSpamd();
    throw err;
  }
}

/** Versions of the peers, for the report (null when not installed). */
export async function peerVersions(): Promise<Record<string, string | null>> {
  const run = (cmd: string, args: string[]) =>
    new Promise<string | null>((resolve) => {
      const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.stderr.on("data", (d: Buffer) => (out += d.toString()));
      p.once("error", () => resolve(null));
      p.once("exit", () => resolve(out.trim() || null));
    });
  const dpkg = (pkg: string) => run("dpkg-query", ["-W", "-f=${Version}", pkg]);
  return {
    rspamd: await dpkg("rspamd"),
    spamassMilter: await dpkg("spamass-milter"),
    spamassassin: await dpkg("spamassassin"),
    libmilter: await dpkg("libmilter1.0.1"),
  };
}
