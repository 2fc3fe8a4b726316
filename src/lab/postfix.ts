/**
 * Test support: a private Postfix 3.7 instance in a temp dir, exactly as real-mta-lab.md describes it: its own config
 * and queue directories, `maillog_file` (there is no syslog), every chroot column off, smtpd on a free loopback port,
 * the domain `box.lab` delivered by virtual(8) to one Maildir per user, and everything else sent to an `smtp-sink`.
 * The milter lines come from deploy/postfix/main.cf.snippet (the ops engineer's snippet), with @MILTER@ and
 * @DEFAULT_ACTION@ substituted, so the lab runs the configuration users are told to install.
 * A Postfix that will not start fails `startPostfix` with the maillog and `postfix check` output.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../util/paths.js";
import { freePort, waitForPort } from "../util/tcp-port.js";
import { waitForSmtpBanner } from "./smtp.js";

const run = promisify(execFile);

/** The Postfix milter snippet shipped to users (deploy/). */
export const POSTFIX_SNIPPET = join(projectRoot, "deploy/postfix/main.cf.snippet");

/** The test domain delivered to Maildirs under `maildir`. */
export const LAB_DOMAIN = "box.lab";

/** Users of box.lab that always have a Maildir. */
export const DEFAULT_USERS = ["alice", "bob", "carol", "dave", "erin", "reject-rcpt"];

export interface PostfixOptions {
  /** The `smtpd_milters` address, as Postfix spells it: `inet:127.0.0.1:PORT` or `unix:/path`. */
  milter: string;
  /** `milter_default_action`. @defaultValue "tempfail" */
  defaultAction?: "tempfail" | "accept";
  /** Milter timeouts in seconds (Postfix's connect_timeout, command_timeout, content_timeout). */
  timeouts?: { connect?: number; command?: number; content?: number };
  /** Users of box.lab besides `DEFAULT_USERS`; mail to others is refused by smtpd (user unknown). */
  users?: string[];
  /** More main.cf lines, applied last (they win). */
  extraMain?: Record<string, string>;
}

export interface PostfixLab {
  /** The temp dir holding everything; removed by `stop()`. */
  readonly dir: string;
  /** The instance's configuration directory (main.cf, master.cf): `postqueue -c DIR`, `postfix -c DIR`. */
  readonly configDir: string;
  /** smtpd's port on 127.0.0.1. */
  readonly smtpPort: number;
  /** The Maildir base: mail to `user@box.lab` lands in `maildir/user/`. */
  readonly maildir: string;
  /** Where smtp-sink dumps mail for other domains. */
  readonly sinkDir: string;
  /** The Maildir of one `box.lab` user. */
  mailbox(user: string): string;
  /** The maillog so far. */
  maillog(): string;
  /** Stop Postfix and smtp-sink and remove the temp dir (kept when FLOODGATE_KEEP_LAB is set). */
  stop(): Promise<void>;
}

const NOBODY = 65534;

/** Start a private Postfix; fails with the reason when it will not start. */
export async function startPostfix(options: PostfixOptions): Promise<PostfixLab> {
  for (const bin of ["/usr/sbin/postfix", "/usr/sbin/smtp-sink"]) {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: run scripts/install-deps.sh test (apt-get install postfix)`);
  }
  const { uid: postfixUid, gid: postfixGid } = await idOf("postfix");
  const dir = mkdtempSync(join(tmpdir(), "floodgate-postfix-"));
  chmodSync(dir, 0o755);
  const etc = join(dir, "etc");
  const spool = join(dir, "spool");
  const data = join(dir, "data");
  const maildir = join(dir, "mail");
  const sinkDir = join(dir, "sink");
  const maillogPath = join(dir, "maillog");
  for (const d of [etc, spool, data, maildir, sinkDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  chownSync(data, postfixUid, postfixGid);
  chownSync(maildir, NOBODY, NOBODY);
  chownSync(sinkDir, NOBODY, NOBODY);

  const smtpPort = await freePort();
  const sinkPort = await freePort();

  const main: string[] = [
    "compatibility_level = 3.6",
    `queue_directory = ${spool}`,
    `data_directory = ${data}`,
    "command_directory = /usr/sbin",
    "daemon_directory = /usr/lib/postfix/sbin",
    "meta_directory = /etc/postfix",
    "shlib_directory = /usr/lib/postfix",
    "mail_owner = postfix",
    "setgid_group = postdrop",
    "syslog_name = postfix-lab",
    `maillog_file = ${maillogPath}`,
    `maillog_file_prefixes = /var, /dev/stdout, ${dir}`,
    "myhostname = mta.lab.local",
    "mydomain = lab.local",
    "myorigin = lab.local",
    "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4",
    "mynetworks = 127.0.0.0/8",
    "mydestination =",
    "alias_maps =",
    "alias_database =",
    "local_recipient_maps =",
    "smtpd_tls_security_level = none",
    "smtp_tls_security_level = none",
    "smtpd_banner = $myhostname ESMTP lab",
    "biff = no",
    "message_size_limit = 52428800",
    `virtual_mailbox_domains = ${LAB_DOMAIN}`,
    `virtual_mailbox_base = ${maildir}`,
    `virtual_mailbox_maps = texthash:${join(etc, "vmailbox")}`,
    `virtual_uid_maps = static:${NOBODY}`,
    `virtual_gid_maps = static:${NOBODY}`,
    "virtual_minimum_uid = 100",
    `default_transport = smtp:[127.0.0.1]:${sinkPort}`,
    `relay_transport = smtp:[127.0.0.1]:${sinkPort}`,
    "relayhost =",
    "smtp_host_lookup = native",
    "disable_dns_lookups = yes",
    "delay_warning_time = 0",
    "maximal_queue_lifetime = 1h",
    "bounce_queue_lifetime = 1h",
    "virtual_mailbox_limit = 0",
    "queue_run_delay = 5s",
    "minimal_backoff_time = 5s",
    "maximal_backoff_time = 10s",
    ...milterLines(options),
    ...Object.entries(options.extraMain ?? {}).map(([k, v]) => `${k} = ${v}`),
  ];
  writeFileSync(join(etc, "main.cf"), mergeMainCf(main));
  writeFileSync(join(etc, "master.cf"), masterCf(smtpPort));
  // One Maildir per user of box.lab: user@box.lab -> maildir/user/ (the trailing slash means Maildir). virtual(8)
  // refuses $1 substitution from regexp tables, so the users are listed.
  const users = [...new Set([...DEFAULT_USERS, ...(options.users ?? [])])];
  writeFileSync(join(etc, "vmailbox"), users.map((u) => `${u}@${LAB_DOMAIN} ${u}/`).join("\n") + "\n");

  const sink = spawn(
    "/usr/sbin/smtp-sink",
    ["-u", "nobody", "-c", "-d", `${sinkDir}/%H%M%S.`, `127.0.0.1:${sinkPort}`, "128"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let sinkErr = "";
  sink.stderr?.on("data", (d: Buffer) => (sinkErr += d.toString()));
  sink.on("error", (e) => (sinkErr += String(e)));

  const maillog = () => (existsSync(maillogPath) ? readFileSync(maillogPath, "utf8") : "");
  const postfix = (...args: string[]) =>
    run("script", ["-qec", ["/usr/sbin/postfix", "-c", etc, ...args].join(" "), "/dev/null"], { timeout: 60_000 });

  let started = false;
  const stop = async () => {
    try {
      if (started) {
        started = false;
        try {
          await postfix("stop");
        } catch {
          // fall back to killing the master below
        }
        await waitForMasterExit(spool);
      }
    } finally {
      try {
        await stopChild(sink);
      } finally {
        if (!process.env.FLOODGATE_KEEP_LAB) rmSync(dir, { recursive: true, force: true });
      }
    }
  };

  try {
    try {
      await postfix("check");
    } catch (error) {
      throw new Error(`postfix check failed: ${outputOf(error)}`);
    }
    try {
      await postfix("start");
      started = true;
    } catch (error) {
      started = existsSync(join(spool, "pid", "master.pid"));
      throw new Error(`postfix start failed: ${outputOf(error)}`);
    }
    await waitForSmtpBanner(smtpPort, 20_000, { server: "smtpd" });
    await waitForPort(sinkPort, { what: "smtp-sink", detail: () => sinkErr });
  } catch (error) {
    const detail = `${error instanceof Error ? error.message : String(error)}\n--- maillog ---\n${maillog()}\n--- smtp-sink ---\n${sinkErr}`;
    await stop();
    throw new Error(`private Postfix did not start: ${detail}`);
  }

  return {
    dir,
    configDir: etc,
    smtpPort,
    maildir,
    sinkDir,
    mailbox: (user) => join(maildir, user),
    maillog,
    stop,
  };
}

/** The snippet users install, with the lab's milter, default action and timeouts. */
export function milterLines(options: PostfixOptions): string[] {
  if (!existsSync(POSTFIX_SNIPPET)) throw new Error(`${POSTFIX_SNIPPET} is missing`);
  const defaultAction = options.defaultAction ?? "tempfail";
  let text = readFileSync(POSTFIX_SNIPPET, "utf8").replaceAll("@MILTER@", options.milter);
  text = text.replaceAll("@DEFAULT_ACTION@", defaultAction);
  const t = options.timeouts ?? {};
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
  const out = lines.map((line) => {
    let l = line;
    if (t.connect !== undefined) l = l.replace(/\bconnect_timeout=[^,}\s]+/, `connect_timeout=${t.connect}s`);
    if (t.command !== undefined) l = l.replace(/\bcommand_timeout=[^,}\s]+/, `command_timeout=${t.command}s`);
    if (t.content !== undefined) l = l.replace(/\bcontent_timeout=[^,}\s]+/, `content_timeout=${t.content}s`);
    return l;
  });
  // The global timeouts too, for a snippet without per-milter settings (later lines win in main.cf).
  if (t.connect !== undefined) out.push(`milter_connect_timeout = ${t.connect}s`);
  if (t.command !== undefined) out.push(`milter_command_timeout = ${t.command}s`);
  if (t.content !== undefined) out.push(`milter_content_timeout = ${t.content}s`);
  out.push(`milter_default_action = ${defaultAction}`, "milter_protocol = 6");
  return out;
}

/** main.cf text from `name = value` lines where a later line replaces an earlier one (no "overriding" warnings). */
function mergeMainCf(lines: readonly string[]): string {
  const params = new Map<string, string>();
  let last: string | undefined;
  for (const line of lines) {
    if (/^\s/.test(line) && last !== undefined) {
      params.set(last, `${params.get(last)}\n${line}`);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`not a main.cf parameter line: ${line}`);
    last = line.slice(0, eq).trim();
    params.set(last, line.slice(eq + 1).trim());
  }
  return [...params].map(([k, v]) => `${k} = ${v}`).join("\n") + "\n";
}

/** master.cf with smtpd on 127.0.0.1:port and every chroot column off (real-mta-lab.md). */
function masterCf(smtpPort: number): string {
  const services: [string, string, string, string, string, string, string, string?][] = [
    [`127.0.0.1:${smtpPort}`, "inet", "n", "-", "n", "-", "-", "smtpd"],
    ["pickup", "unix", "n", "-", "n", "60", "1", "pickup"],
    ["cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"],
    ["qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"],
    ["tlsmgr", "unix", "-", "-", "n", "1000?", "1", "tlsmgr"],
    ["rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"],
    ["bounce", "unix", "-", "-", "n", "-", "0", "bounce"],
    ["defer", "unix", "-", "-", "n", "-", "0", "bounce"],
    ["trace", "unix", "-", "-", "n", "-", "0", "bounce"],
    ["verify", "unix", "-", "-", "n", "-", "1", "verify"],
    ["flush", "unix", "n", "-", "n", "1000?", "0", "flush"],
    ["proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"],
    ["proxywrite", "unix", "-", "-", "n", "-", "1", "proxymap"],
    ["smtp", "unix", "-", "-", "n", "-", "-", "smtp"],
    ["relay", "unix", "-", "-", "n", "-", "-", "smtp"],
    ["showq", "unix", "n", "-", "n", "-", "-", "showq"],
    ["error", "unix", "-", "-", "n", "-", "-", "error"],
    ["retry", "unix", "-", "-", "n", "-", "-", "error"],
    ["discard", "unix", "-", "-", "n", "-", "-", "discard"],
    ["local", "unix", "-", "n", "n", "-", "-", "local"],
    ["virtual", "unix", "-", "n", "n", "-", "-", "virtual"],
    ["lmtp", "unix", "-", "-", "n", "-", "-", "lmtp"],
    ["anvil", "unix", "-", "-", "n", "-", "1", "anvil"],
    ["scache", "unix", "-", "-", "n", "-", "1", "scache"],
    ["postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd"],
  ];
  return services.map((s) => s.join("  ")).join("\n") + "\n";
}

async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run("id", ["-u", user])).stdout.trim());
    const gid = Number((await run("id", ["-g", user])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(`no user ${user}: install Postfix (scripts/install-deps.sh test)`);
  }
}

function outputOf(error: unknown): string {
  const e = error as { stdout?: string; stderr?: string; message?: string };
  return [e.message, e.stdout, e.stderr].filter(Boolean).join("\n").trim();
}

/** Wait until the master named in the pid file is gone; kill it if `postfix stop` did not. */
async function waitForMasterExit(spool: string): Promise<void> {
  const pidFile = join(spool, "pid", "master.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    process.kill(pid, "SIGKILL");
    // The master's children exit on their own once it is gone (they watch its pipe).
  }
}

/** SIGTERM a child, SIGKILL after 3 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
