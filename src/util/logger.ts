/**
 * JSON logs (pino) to standard error, never to a milter socket (milter-protocol.md §1.2, postsrsd#185).
 * Secrets (Redis passwords, webhook tokens) are redacted.
 */
import { pino, type Logger } from "pino";

export type { Logger };

const REDACT = [
  "password",
  "*.password",
  "redis.url",
  "*.redisUrl",
  "authorization",
  "*.authorization",
  "token",
  "*.token",
  "adminToken",
  "*.adminToken",
];

/** A logger writing one JSON object per line to fd 2. */
export function createLogger(level: string = "info", name = "floodgate"): Logger {
  return pino(
    { name, level, redact: { paths: REDACT, censor: "[redacted]" } },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** Hide the secrets of a URL (src/util/redact-url.ts) before it is logged. */
export { redactUrl } from "./redact-url.js";
