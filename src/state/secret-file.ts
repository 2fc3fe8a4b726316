/**
 * Private files: secrets (a password, a token) and files that name where a secret is. Every one is opened without
 * following a symbolic link (O_NOFOLLOW), created with O_EXCL and mode 0600, and written whole under a temporary
 * name, then linked or renamed into place, so a reader never sees half a file and nobody can plant a link that
 * makes Floodgate write, or read, somewhere else.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/**
 * Whose file it is: `own`, one Floodgate wrote (this process's user owns it; a mode found wider is tightened back to
 * 0600), or `operator`, one an operator made and configured (this user or root owns it; group read is their choice,
 * read by others is refused; its mode is never changed), or `shared`, one given to this user's group by its owner
 * (any owner; read by others is refused; its mode is never changed): the report-only token the mail system reads.
 */
export type PrivateFileKind = "own" | "operator" | "shared";

/**
 * Read a private file whole, trimmed of surrounding white space. Refuses a symbolic link, a non-regular file, a file
 * of another owner and a file others may read (see PrivateFileKind). Returns null when the file does not exist.
 */
export function readPrivateFile(path: string, kind: PrivateFileKind = "own"): string | null {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new Error(`${path} is a symbolic link: a secret must be a plain file`);
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`${path} is not a plain file`);
    const uid = process.geteuid?.() ?? stats.uid;
    if (stats.uid !== uid && kind !== "shared" && !(kind === "operator" && stats.uid === 0)) {
      throw new Error(`${path} belongs to uid ${stats.uid}, not to this process (uid ${uid})`);
    }
    const mode = (stats.mode & 0o777).toString(8);
    if (kind !== "own" && (stats.mode & 0o007) !== 0) throw new Error(`${path} is readable by others (mode ${mode})`);
    if (kind === "own" && (stats.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    return readFileSync(fd, "utf8").trim();
  } finally {
    closeSync(fd);
  }
}

/** Write `content` to a new file of mode 0600 beside `path`, never through a link; returns the temporary name. */
function writeTemporary(path: string, content: string): string {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}`);
  const fd = openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temporary;
}

/** Replace `path` with `content`, mode 0600, atomically (a link at `path` is replaced, not followed). */
export function writePrivateFile(path: string, content: string): void {
  const temporary = writeTemporary(path, content);
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * The secret kept in `path`, generated at first use: 32 random bytes in hex (`generate` overrides). Creation is
 * atomic and first-writer-wins, so two processes starting at once end up with the same secret.
 */
export function ensureSecret(path: string, generate: () => string = () => randomBytes(32).toString("hex")): string {
  const existing = readPrivateFile(path);
  if (existing) return existing;
  const temporary = writeTemporary(path, `${generate()}\n`);
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  const secret = readPrivateFile(path);
  if (!secret) throw new Error(`${path} is empty: remove it and Floodgate writes a new secret`);
  return secret;
}
