/**
 * The report-only token: it lets `floodgate report --reporter ADDRESS` (run by the mail system's user, from a Dovecot
 * IMAPSieve script or a "report spam" button) report a message, and nothing else. It is `reports.tokenFile` when an
 * operator made one, else generated at the first start into `<state.dir>/reporter/token`; with `reports.group` (the
 * mail system's group: vmail, mail) that directory and file get that group (0750, 0640) and the state directory lets
 * it pass (0711), so the mail system's user reads the token and nothing else of the state directory.
 */
import { chmodSync, chownSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { ensureSecret, readPrivateFile } from "../state/secret-file.js";
import { findGroupId } from "../state/service-user.js";
import type { StateDir } from "../state/state-dir.js";

/** The generated token's subdirectory of the state directory and its file there. */
export const REPORTER_SUBDIR = "reporter";
const TOKEN_FILE = "token";

/** Where the report-only token is: the configured file, else the state directory's. */
export function reporterTokenPath(reports: Config["reports"], stateDir: string): string {
  return reports.tokenFile ?? join(stateDir, REPORTER_SUBDIR, TOKEN_FILE);
}

/** The daemon's report-only token: the configured file's, else generated (and shared with `reports.group`). */
export function daemonReporterToken(reports: Config["reports"], state: StateDir): string {
  if (reports.tokenFile !== null) {
    const token = readPrivateFile(reports.tokenFile, "shared");
    if (!token) throw new Error(`reports.tokenFile ${reports.tokenFile} does not exist or is empty`);
    return token;
  }
  const dir = state.subdir(REPORTER_SUBDIR);
  const path = join(dir, TOKEN_FILE);
  const token = ensureSecret(path);
  if (reports.group !== null) shareWithGroup(state.path, dir, path, reports.group);
  return token;
}

/** Give the token's directory and file to `group` (read only), and let the group pass the state directory. */
function shareWithGroup(root: string, dir: string, file: string, group: string): void {
  const gid = findGroupId(group);
  if (gid === null) throw new Error(`reports.group: there is no group ${group}`);
  const uid = process.geteuid?.() ?? statSync(dir).uid;
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o750);
  chownSync(file, uid, gid);
  chmodSync(file, 0o640);
  const top = statSync(root);
  if ((top.mode & 0o001) === 0) chmodSync(root, (top.mode & 0o777) | 0o001);
}

/** The token `floodgate report --reporter` sends; null when there is none (the daemon never started). */
export function commandReporterToken(reports: Config["reports"], stateDir: string): string | null {
  return readPrivateFile(reporterTokenPath(reports, stateDir), "shared");
}
