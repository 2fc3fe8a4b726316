/**
 * The state directory: one place for everything Floodgate keeps between runs that nobody else may read or change,
 * the private Redis's data and password, the admin token, a scanner's database, an alert spool. Each user of it
 * takes its own subdirectory (`subdir("redis")`): created 0700, owned by this process's user, never a symbolic
 * link, and tightened back to 0700 when found wider. Secrets are files of mode 0600 inside (secret-file.ts).
 *
 * Where it is, when `state.dir` is not configured: `$STATE_DIRECTORY` when systemd's `StateDirectory=` set it;
 * /var/lib/floodgate for root, or for a service user that owns it; else the per-user
 * `$XDG_STATE_HOME/floodgate` (~/.local/state/floodgate), as a user who runs `make run` from a checkout expects.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, statSync, type Stats } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** The system-wide state directory, for root and for a service user that owns it. */
export const SYSTEM_STATE_DIR = "/var/lib/floodgate";

/** Names of subdirectories: one path segment, no dots at the start. */
const SUBDIR_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** What the default depends on; the process's by default (tests pass their own). */
export interface StateDirEnvironment {
  env: NodeJS.ProcessEnv;
  uid: number;
  home: string;
}

function processEnvironment(): StateDirEnvironment {
  return { env: process.env, uid: process.geteuid?.() ?? -1, home: homedir() };
}

/** The state directory's path: the configured one, else the default for this user (see the module comment). */
export function resolveStateDir(configured: string | null, where: StateDirEnvironment = processEnvironment()): string {
  if (configured !== null) return resolve(configured);
  const systemd = where.env["STATE_DIRECTORY"]?.split(":")[0];
  if (systemd && isAbsolute(systemd)) return systemd;
  if (where.uid === 0 || ownedBy(SYSTEM_STATE_DIR, where.uid)) return SYSTEM_STATE_DIR;
  const xdg = where.env["XDG_STATE_HOME"];
  const base = xdg && isAbsolute(xdg) ? xdg : join(where.home, ".local", "state");
  return join(base, "floodgate");
}

function ownedBy(path: string, uid: number): boolean {
  try {
    const s = statSync(path);
    return s.isDirectory() && s.uid === uid;
  } catch {
    return false;
  }
}

/** A state directory in use: its path and its private subdirectories. */
export interface StateDir {
  readonly path: string;
  /**
   * The subdirectory `name` (for example "redis", "spamd", "alert-spool"), made private: created 0700 when missing,
   * refused when it is a symbolic link, not a directory or owned by another user, set back to 0700 when wider.
   */
  subdir(name: string): string;
  /**
   * The subdirectory `name` of a private service that runs as another user (spamd as debian-spamd, when Floodgate runs
   * as root): created 0700 and owned by `owner`, which alone (and root) may enter it. The state directory itself then
   * lets others pass (mode 0711, no listing): every other subdirectory stays 0700 and Floodgate's own.
   */
  serviceSubdir(name: string, owner: ServiceOwner): string;
}

/** The user a private service runs as. */
export interface ServiceOwner {
  uid: number;
  gid: number;
}

/**
 * Open the state directory at `path`, creating it (and its parents) 0700 when missing. Refuses a symbolic link, a
 * file, a directory owned by another user or one that others may write into: a secret kept there would not be one.
 */
export function openStateDir(path: string): StateDir {
  const root = resolve(path);
  ensurePrivateDir(root, { tighten: false });
  return {
    path: root,
    subdir(name: string): string {
      if (!SUBDIR_NAME.test(name)) throw new Error(`state subdirectory name "${name}" is not one plain segment`);
      const dir = join(root, name);
      ensurePrivateDir(dir, { tighten: true });
      return dir;
    },
    serviceSubdir(name: string, owner: ServiceOwner): string {
      if (!SUBDIR_NAME.test(name)) throw new Error(`state subdirectory name "${name}" is not one plain segment`);
      const dir = join(root, name);
      assertPassable(root, owner);
      ensureServiceDir(dir, owner);
      const top = statSync(root);
      if ((top.mode & 0o001) === 0) chmodSync(root, (top.mode & 0o777) | 0o001);
      return dir;
    },
  };
}

/**
 * Every directory above `root` must let `owner` pass (search permission), or the service cannot reach its own
 * subdirectory: said plainly here rather than as the service's "directory does not exist".
 */
function assertPassable(root: string, owner: ServiceOwner): void {
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    const st = statSync(dir);
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
      throw new Error(
        `${dir} (mode ${mode}) does not let uid ${owner.uid} pass to the state directory ${root}: ` +
          `allow it (chmod o+x ${dir}) or choose another state.dir`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

/** Make `dir` a 0700 directory of `owner`'s: created when missing, taken over when it is ours, never a link. */
function ensureServiceDir(dir: string, owner: ServiceOwner): void {
  let stats: Stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dir, { mode: 0o700 });
    stats = lstatSync(dir);
  }
  if (stats.isSymbolicLink()) throw new Error(`${dir} is a symbolic link: a private directory must be a real one`);
  if (!stats.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.geteuid?.();
  if (stats.uid !== owner.uid && stats.uid !== uid) {
    throw new Error(`${dir} belongs to uid ${stats.uid}, neither the service's (${owner.uid}) nor this process's`);
  }
  if (stats.uid !== owner.uid || stats.gid !== owner.gid) chownSync(dir, owner.uid, owner.gid);
  if ((stats.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/**
 * Make `dir` a directory of ours: created 0700 when missing; a symbolic link, a non-directory or another user's
 * directory is an error. With `tighten`, group and other permissions are removed; without it (the top directory,
 * whose mode an operator or systemd may have chosen), only a directory others can write into is refused.
 */
export function ensurePrivateDir(dir: string, options: { tighten: boolean }): void {
  let stats: Stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    stats = lstatSync(dir);
  }
  if (stats.isSymbolicLink()) throw new Error(`${dir} is a symbolic link: a private directory must be a real one`);
  if (!stats.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.geteuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new Error(
      `${dir} belongs to uid ${stats.uid}, not to this process (uid ${uid}): refusing to keep secrets there`,
    );
  }
  if (options.tighten) {
    if ((stats.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } else if ((stats.mode & 0o022) !== 0) {
    throw new Error(`${dir} is writable by group or others (mode ${(stats.mode & 0o777).toString(8)}): chmod go-w it`);
  }
}
