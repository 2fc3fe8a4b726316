/**
 * Test support: a private Sendmail 8.17 for end-to-end tests, unpacked (sendmail-bin conflicts with postfix as a
 * package) into .lab/sendmail/root by `scripts/install-deps.sh test`, exactly as real-mta-lab.md describes it:
 * a generated .mc (milter line from deploy/sendmail/floodgate.mc.snippet) built into a .cf with the unpacked m4,
 * run in the foreground (`-bD`) under `unshare --uts` with a fully qualified host name (or every start sleeps 60 s),
 * every message relayed to an smtp-sink on 127.0.0.2 (a smart host of [127.0.0.1] is ignored as local), whose dump
 * files are the delivered mail. Slow (it forks per connection and per delivery): send few messages.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/util/paths.js";
import { freePort, waitForPort } from "../../src/util/tcp-port.js";
import { waitForSmtpBanner } from "../../src/lab/smtp.js";
import { readSinkDir, type DeliveredMessage } from "../../src/lab/maildir.js";

const run = promisify(execFile);

/** Where install-deps.sh unpacks the Sendmail packages. */
export const SENDMAIL_ROOT = join(projectRoot, ".lab/sendmail/root");
/** The Sendmail milter snippet shipped to users (deploy/). */
export const SENDMAIL_SNIPPET = join(projectRoot, "deploy/sendmail/floodgate.mc.snippet");
const SENDMAIL_BIN = join(SENDMAIL_ROOT, "usr/libexec/sendmail/sendmail");
const M4_BIN = join(SENDMAIL_ROOT, "usr/bin/m4");
const CF_DIR = join(SENDMAIL_ROOT, "usr/share/sendmail/cf/");
const LIB_DIR = join(SENDMAIL_ROOT, "usr/lib/x86_64-linux-gnu");
const HOSTNAME = "vm.lab.local";
const NOBODY = 65534;

export interface SendmailOptions {
  /** The milter address as Sendmail spells it: `inet:PORT@127.0.0.1` or `local:/path`. */
  milter: string;
  /** Milter timeouts in seconds: C (connect), S (send), R (read), E (end of message, a total). */
  timeouts?: { connect?: number; send?: number; read?: number; eom?: number };
  /** Start no smart host: every relayed message is deferred and stays in the queue. */
  nextHopDown?: boolean;
}

export interface SendmailLab {
  readonly dir: string;
  readonly smtpPort: number;
  /** Where the smart host (smtp-sink on 127.0.0.2) dumps every relayed message. */
  readonly sinkDir: string;
  /** The messages relayed so far: smtp-sink's dumps, but none it is still writing. */
  relayed(): DeliveredMessage[];
  /** Sendmail's stderr and the queue files left (there is no syslog), for failure messages. */
  diagnostics(): string;
  /** The command that lists this instance's queue (`mailq`), with the host name and libraries it needs. */
  queueCommand(): string[];
  /** This instance's sendmail command (`-C lab.cf`, host name and libraries), to which arguments are appended. */
  sendmailCommand(): string[];
  /** Its QueueDirectory (quarantined messages are `hf<id>` files there). */
  readonly queueDir: string;
  /** Stop Sendmail (its whole process group) and smtp-sink; remove the temp dir unless FLOODGATE_KEEP_LAB is set. */
  stop(): Promise<void>;
}

/** Start a private Sendmail; fails with the reason when it will not start. */
export async function startSendmail(options: SendmailOptions): Promise<SendmailLab> {
  for (const f of [SENDMAIL_BIN, M4_BIN, CF_DIR]) {
    if (!existsSync(f))
      throw new Error(`${f} is missing: run scripts/install-deps.sh test (it unpacks Sendmail into .lab)`);
  }
  if (!existsSync(SENDMAIL_SNIPPET)) throw new Error(`${SENDMAIL_SNIPPET} is missing`);
  const dir = mkdtempSync(join(tmpdir(), "floodgate-sendmail-"));
  chmodSync(dir, 0o755);
  const queue = join(dir, "mqueue");
  const sinkDir = join(dir, "sink");
  mkdirSync(queue, { mode: 0o700 });
  mkdirSync(sinkDir);
  chownSync(sinkDir, NOBODY, NOBODY);
  const smtpPort = await freePort();
  const sinkPort = await freePort();

  // The binary is copied out without its setgid bit, so that LD_LIBRARY_PATH is honoured (real-mta-lab.md).
  const bin = join(dir, "sendmail");
  copyFileSync(SENDMAIL_BIN, bin);
  chmodSync(bin, 0o755);
  writeFileSync(join(dir, "service.switch"), "hosts files\naliases files\n");
  writeFileSync(join(dir, "local-host-names"), "");
  writeFileSync(join(dir, "lab.mc"), labMc(dir, smtpPort, sinkPort, options));
  let cf: string;
  try {
    cf = (await run(M4_BIN, [`-D_CF_DIR_=${CF_DIR}`, join(dir, "lab.mc")], { maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`m4 could not build lab.cf: ${String((error as { stderr?: string }).stderr ?? error)}`);
  }
  writeFileSync(join(dir, "lab.cf"), cf);

  const sink = spawn(
    options.nextHopDown ? "true" : "/usr/sbin/smtp-sink",
    ["-u", "nobody", "-c", "-d", `${sinkDir}/%H%M%S.`, `127.0.0.2:${sinkPort}`, "128"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let sinkErr = "";
  sink.stderr?.on("data", (d: Buffer) => (sinkErr += d.toString()));
  sink.on("error", (e) => (sinkErr += String(e)));

  let stderr = "";
  const daemon: ChildProcess = spawn(
    "unshare",
    ["--uts", "sh", "-c", `hostname ${HOSTNAME} && exec ${bin} -C ${join(dir, "lab.cf")} -bD -q1m`],
    { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LD_LIBRARY_PATH: LIB_DIR } },
  );
  daemon.stdout?.on("data", (d: Buffer) => (stderr += d.toString()));
  daemon.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  daemon.on("error", (e) => (stderr += String(e)));

  const diagnostics = () => {
    const qfiles = existsSync(queue) ? readdirSync(queue) : [];
    const queued = qfiles
      .filter((f) => f.startsWith("qf") || f.startsWith("xf"))
      .map((f) => `--- ${f} ---\n${readFileSync(join(queue, f), "latin1").slice(0, 4000)}`);
    return `--- sendmail output ---\n${stderr}\n--- smtp-sink ---\n${sinkErr}\n${queued.join("\n")}`;
  };

  const stop = async () => {
    try {
      await stopGroup(daemon);
    } finally {
      try {
        await stopGroup(sink, false);
      } finally {
        if (!process.env.FLOODGATE_KEEP_LAB) rmSync(dir, { recursive: true, force: true });
      }
    }
  };

  try {
    await waitForSmtpBanner(smtpPort, 30_000, {
      server: "sendmail",
      attemptTimeoutMs: 5000,
      exited: () => daemon.exitCode !== null || daemon.signalCode !== null,
    });
    if (!options.nextHopDown) await waitForPort(sinkPort, { what: "smtp-sink", host: "127.0.0.2" });
  } catch (error) {
    const detail = `${error instanceof Error ? error.message : String(error)}\n${diagnostics()}`;
    await stop();
    throw new Error(`private Sendmail did not start: ${detail}`);
  }
  const queueCommand = () => [
    "unshare",
    "--uts",
    "sh",
    "-c",
    `hostname ${HOSTNAME} && LD_LIBRARY_PATH=${LIB_DIR} exec ${bin} -C ${join(dir, "lab.cf")} -bp`,
  ];
  const sendmailCommand = () => [
    "unshare",
    "--uts",
    "sh",
    "-c",
    `hostname ${HOSTNAME} && LD_LIBRARY_PATH=${LIB_DIR} exec ${bin} -C ${join(dir, "lab.cf")} "$@"`,
    "sendmail",
  ];
  // smtp-sink keeps a dump open until the transaction ends: a file it holds may be cut anywhere (readSinkDir).
  const relayed = () => readSinkDir(sinkDir, () => openFiles(sink.pid));
  return { dir, smtpPort, sinkDir, relayed, diagnostics, queueCommand, sendmailCommand, queueDir: queue, stop };
}

/** One m4 `define` line of a .mc file. */
function m4Define(name: string, value: string): string {
  return `define(\`${name}', \`${value}')dnl`;
}

/** The .mc: real-mta-lab.md's essentials, then the users' snippet with the lab's milter and timeouts. */
function labMc(dir: string, smtpPort: number, sinkPort: number, options: SendmailOptions): string {
  let snippet = readFileSync(SENDMAIL_SNIPPET, "utf8").replaceAll("@MILTER@", options.milter);
  const t = options.timeouts ?? {};
  const set = (letter: string, seconds: number | undefined) => {
    if (seconds !== undefined)
      snippet = snippet.replace(new RegExp(`\\b${letter}:[0-9]+[smh]?`), `${letter}:${seconds}s`);
  };
  set("C", t.connect);
  set("S", t.send);
  set("R", t.read);
  set("E", t.eom);
  return [
    "divert(-1)",
    "divert(0)dnl",
    "include(_CF_DIR_`m4/cf.m4')dnl",
    "VERSIONID(`floodgate e2e lab')dnl",
    "OSTYPE(`linux')dnl",
    m4Define("confPID_FILE", `${dir}/sendmail.pid`),
    m4Define("STATUS_FILE", `${dir}/statistics`),
    m4Define("QUEUE_DIR", `${dir}/mqueue`),
    m4Define("ALIAS_FILE", ""),
    m4Define("confCW_FILE", `${dir}/local-host-names`),
    m4Define("confSERVICE_SWITCH_FILE", `${dir}/service.switch`),
    m4Define("confDONT_PROBE_INTERFACES", "True"),
    m4Define("confTO_IDENT", "0s"),
    m4Define("confBIND_OPTS", "-DNSRCH -DEFNAMES"),
    m4Define("SMART_HOST", "[127.0.0.2]"),
    m4Define("RELAY_MAILER_ARGS", `TCP $h ${sinkPort}`),
    m4Define("ESMTP_MAILER_ARGS", `TCP $h ${sinkPort}`),
    `DAEMON_OPTIONS(\`Port=${smtpPort},Addr=127.0.0.1,Name=MTA')dnl`,
    "FEATURE(`no_default_msa')dnl",
    "FEATURE(`nocanonify')dnl",
    "FEATURE(`promiscuous_relay')dnl",
    "FEATURE(`accept_unresolvable_domains')dnl",
    "FEATURE(`accept_unqualified_senders')dnl",
    snippet.trimEnd(),
    "MAILER(`smtp')dnl",
    "",
  ].join("\n");
}

/** The files process `pid` holds open (none when it is gone). */
export function openFiles(pid: number | undefined): Set<string> {
  const fdDir = `/proc/${pid}/fd`;
  const files = new Set<string>();
  if (pid === undefined || !existsSync(fdDir)) return files;
  for (const fd of readdirSync(fdDir)) {
    try {
      files.add(readlinkSync(join(fdDir, fd)));
    } catch {
      // closed meanwhile
    }
  }
  return files;
}

/** SIGTERM a child (its whole process group when it leads one), SIGKILL after 5 s. */
async function stopGroup(child: ChildProcess, group = true): Promise<void> {
  if (child.pid === undefined) return;
  const pid = child.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, sig);
    } catch {
      // already gone
    }
  };
  const running = child.exitCode === null && child.signalCode === null;
  const exited = running ? new Promise<void>((resolve) => child.once("exit", () => resolve())) : Promise.resolve();
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  if (group) {
    // Delivery children of the daemon may outlive it briefly: make sure the group is gone.
    await new Promise((r) => setTimeout(r, 100));
    signal("SIGKILL");
  }
}
