/**
 * The daemon's private spamd, started as the private Redis is (src/state/private-service.ts: a pidfile, a leftover
 * stopped at the next start, setpriv's parent-death signal ties it to the daemon). Everything it keeps is in the state
 * directory's `spamd` subdirectory (mode 0700):
 *
 * - `spamd.sock`, the only way in (no TCP port): reachable by Floodgate and by spamd's own user only, since learning
 *   (`TELL`, what `spamc -L` sends, on with --allow-tell) must not be open to every local user;
 * - `bayes_*`, the Bayes database, which the reports teach (`floodgate report`);
 * - `spamd.pid`, by which the next start stops a spamd that a killed daemon left behind.
 *
 * Under root it runs as an unprivileged user (debian-spamd, else nobody) who owns that subdirectory; under another user
 * it runs as that user. Its configuration is the system's rules plus our lines (`--cf`), never a file of /etc changed:
 * Bayes in its directory, and a rule for a program or a script attached (./spamd-attachment-rules.ts).
 * Network tests are off unless `private.networkTests`: without DNS each message would wait on blocklist time-outs.
 * It runs at the scanning side's priority (`scanWorker.priority`, src/state/background-priority.ts; by default the
 * idle class), it and the children it forks: on a host where both want the CPU, a scan waits and the mail path does not.
 */
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import { pingSpamd } from "./spamd.js";
import { ATTACHMENT_RULES } from "./spamd-attachment-rules.js";
import type { PriorityPrefix } from "../state/background-priority.js";
import { startPrivateService, type PrivateService } from "../state/private-service.js";
import { firstUser } from "../state/service-user.js";
import type { StateDir } from "../state/state-dir.js";

/** The private spamd's settings (a spamd scanner's `private`). */
export interface PrivateSpamdSettings {
  /** The spamd program. */
  binary: string;
  /** Scanning children (spamd's --max-children). */
  children: number;
  /** Network tests (DNS blocklists, URIBL): off by default. */
  networkTests: boolean;
  /** The user it runs as when Floodgate runs as root; null: debian-spamd, else nobody. */
  user: string | null;
}

/** A running private spamd. */
export interface PrivateSpamd {
  readonly socket: string;
  readonly service: PrivateService;
  stop(): Promise<void>;
}

/** Its subdirectory of the state directory, and its pidfile's name there. */
export const PRIVATE_SPAMD_SUBDIR = "spamd";
const SERVICE_NAME = "spamd";

/** Where the private spamd's socket is, for the scan worker processes. */
export function privateSpamdSocket(stateDir: string): string {
  return join(stateDir, PRIVATE_SPAMD_SUBDIR, "spamd.sock");
}

/** spamd's arguments: a unix socket only, learning on, Bayes in `dir`, the attachment rule. */
export function privateSpamdArgs(dir: string, settings: PrivateSpamdSettings): string[] {
  return [
    `--socketpath=${join(dir, "spamd.sock")}`,
    "--socketmode=0600",
    `--max-children=${settings.children}`,
    "--min-children=1",
    "--nouser-config",
    "--allow-tell",
    "--syslog=stderr",
    `--helper-home-dir=${dir}`,
    `--cf=bayes_path ${join(dir, "bayes")}`,
    "--cf=bayes_file_mode 0600",
    "--cf=use_bayes 1",
    "--cf=lock_method flock",
    ...ATTACHMENT_RULES.map((line) => `--cf=${line}`),
    ...(settings.networkTests ? [] : ["--local"]),
  ];
}

/** Start (or, after a killed daemon, restart on the same Bayes database) the private spamd of `state`. */
export async function startPrivateSpamd(
  state: StateDir,
  settings: PrivateSpamdSettings,
  options: { logger?: Logger; priority?: PriorityPrefix } = {},
): Promise<PrivateSpamd> {
  const { logger, priority } = options;
  const root = process.geteuid?.() === 0;
  const user = root ? firstUser(settings.user !== null ? [settings.user] : ["debian-spamd", "nobody"]) : null;
  if (root && !user) throw new Error(`no user ${settings.user ?? "debian-spamd or nobody"} to run spamd as`);
  const dir = user ? state.serviceSubdir(PRIVATE_SPAMD_SUBDIR, user) : state.subdir(PRIVATE_SPAMD_SUBDIR);
  const socket = join(dir, "spamd.sock");
  const service = await startPrivateService({
    name: SERVICE_NAME,
    dir,
    command: settings.binary,
    args: privateSpamdArgs(dir, settings),
    installHint: "apt-get install -y spamassassin spamd spamc",
    ready: () => waitUntilServing(socket),
    ...(user ? { runAs: { uid: user.uid, gid: user.gid } } : {}),
    ...(logger ? { logger } : {}),
    stopGraceMs: 10_000,
    ...(priority ? { priority } : {}),
  });
  return { socket, service, stop: () => service.stop() };
}

/** Resolve once spamd answers PING on `socket` (it compiles its rules first: seconds). */
async function waitUntilServing(socket: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pingSpamd({ path: socket })) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the private spamd on ${socket} did not answer PING within ${timeoutMs} ms`);
}
