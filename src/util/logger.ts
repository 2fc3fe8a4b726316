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
];

/** A logger writing one JSON object per line to fd 2. */
export function createLogger(level: string = "info", name = "floodgate"): Logger {
  return pino(
    { name, level, redact: { paths: REDACT, censor: "[redacted]" } },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** Hide the password in a redis:// URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, "//$1:[redacted]@");
}
