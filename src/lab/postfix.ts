/**
 * Test support: a private Postfix 3.7 instance in a temp dir, exactly as real-mta-lab.md describes it: its own config
 * and queue directories, `maillog_file` (there is no syslog), every chroot column off, smtpd on a free loopback port,
 * the domain `box.lab` delivered by virtual(8) to one Maildir per user, and everything else sent to an `smtp-sink`.
 * The milter lines come from deploy/postfix/main.cf.snippet (the ops engineer's snippet), with @MILTER@ and
 * @DEFAULT_ACTION@ substituted, so the lab runs the configuration users are told to install.
 * A Postfix that will not start fails `startPostfix` with the maillog and `postfix check` output.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitForPort } from "../util/tcp-port.js";
import { NOBODY, writeLabConfig, type PostfixOptions } from "./postfix-config.js";
import { waitForSmtpBanner } from "./smtp.js";

export { DEFAULT_USERS, LAB_DOMAIN, POSTFIX_SNIPPET, type PostfixOptions } from "./postfix-config.js";

const run = promisify(execFile);

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

/** Start a private Postfix; fails with the reason when it will not start. */
export async function startPostfix(options: PostfixOptions): Promise<PostfixLab> {
  for (const bin of ["/usr/sbin/postfix", "/usr/sbin/smtp-sink"]) {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: run scripts/install-deps.sh test (apt-get install postfix)`);
  }
  const { dir, etc, spool, data, maildir, sinkDir, maillogPath } = await makeLabDirs();
  const smtpPort = await freePort();
  const sinkPort = await freePort();

  writeLabConfig({ dir, etc, spool, data, maildir, maillogPath }, smtpPort, sinkPort, options);

  const { sink, sinkErr } = startSink(sinkDir, sinkPort);

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
    await waitForPort(sinkPort, { what: "smtp-sink", detail: sinkErr });
  } catch (error) {
    const detail = `${error instanceof Error ? error.message : String(error)}\n--- maillog ---\n${maillog()}\n--- smtp-sink ---\n${sinkErr()}`;
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

/** The lab's directories in a new temp dir, owned as Postfix, virtual(8) and smtp-sink need. */
async function makeLabDirs() {
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
  return { dir, etc, spool, data, maildir, sinkDir, maillogPath };
}

/** smtp-sink on 127.0.0.1:port, dumping every message into `sinkDir`; `sinkErr()` is what it said on stderr. */
function startSink(sinkDir: string, sinkPort: number): { sink: ChildProcess; sinkErr: () => string } {
  const sink = spawn(
    "/usr/sbin/smtp-sink",
    ["-u", "nobody", "-c", "-d", `${sinkDir}/%H%M%S.`, `127.0.0.1:${sinkPort}`, "128"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  sink.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  sink.on("error", (e) => (err += String(e)));
  return { sink, sinkErr: () => err };
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
