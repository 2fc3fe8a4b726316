/**
 * The admin token every state-changing ops endpoint requires (`Authorization: Bearer <token>`): configured inline
 * (`metrics.adminToken`), in a file an operator made (`metrics.adminTokenFile`), or else generated at the first start
 * into `<state.dir>/admin-token` (mode 0600) and read from there by the commands that change state.
 */
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { ensureSecret, readPrivateFile } from "../state/secret-file.js";

/** The generated token's file name in the state directory. */
export const ADMIN_TOKEN_FILE = "admin-token";

/** Where the token comes from, for messages (never the token itself). */
export type AdminTokenSource = "metrics.adminToken" | "metrics.adminTokenFile" | "state directory";

/** The token and where it came from. */
export interface AdminToken {
  readonly token: string;
  readonly source: AdminTokenSource;
  /** The file it was read from, when it came from one. */
  readonly path: string | null;
}

/** The shortest token accepted from the configuration. */
const MIN_TOKEN_LENGTH = 16;

function checked(token: string, where: string): string {
  if (token.length < MIN_TOKEN_LENGTH)
    throw new Error(`${where}: the admin token must be at least ${MIN_TOKEN_LENGTH} characters`);
  return token;
}

/**
 * The daemon's admin token: the configured one, else the state directory's, generated (random, 0600) when missing.
 * A configured file that is missing, empty, a link or readable by others is an error.
 */
export function daemonAdminToken(metrics: Config["metrics"], stateDir: string): AdminToken {
  if (metrics.adminToken !== null) {
    return { token: checked(metrics.adminToken, "metrics.adminToken"), source: "metrics.adminToken", path: null };
  }
  if (metrics.adminTokenFile !== null) return fromOperatorFile(metrics.adminTokenFile);
  const path = join(stateDir, ADMIN_TOKEN_FILE);
  return { token: ensureSecret(path), source: "state directory", path };
}

/** The token a command sends: found the same way as the daemon's, never generated. Null when there is none yet. */
export function commandAdminToken(metrics: Config["metrics"], stateDir: string): AdminToken | null {
  if (metrics.adminToken !== null) return { token: metrics.adminToken, source: "metrics.adminToken", path: null };
  if (metrics.adminTokenFile !== null) return fromOperatorFile(metrics.adminTokenFile);
  const path = join(stateDir, ADMIN_TOKEN_FILE);
  const token = readPrivateFile(path);
  return token ? { token, source: "state directory", path } : null;
}

function fromOperatorFile(path: string): AdminToken {
  const token = readPrivateFile(path, "operator");
  if (token === null) throw new Error(`metrics.adminTokenFile ${path} does not exist`);
  return { token: checked(token, `metrics.adminTokenFile ${path}`), source: "metrics.adminTokenFile", path };
}
