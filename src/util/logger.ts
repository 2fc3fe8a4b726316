/**
 * JSON logs (pino) to standard error, never to a milter socket (milter-protocol.md §1.2, postsrsd#185).
 * Secrets (Redis passwords, webhook tokens) are redacted.
 *
 * The daemon's logger is buffered: it writes one summary line per message, and a write of its own per line costs the
 * main thread a system call and a hand-off to libuv's thread pool, on every message. Lines are written when
 * BUFFER_BYTES have gathered or FLUSH_INTERVAL_MS have passed, at once for a warning or an error, and on exit (pino
 * flushes on `exit`); a process killed outright loses at most the buffer.
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

/** Bytes of log lines a buffered logger gathers before it writes them. */
const BUFFER_BYTES = 4096;
/** The longest a buffered line waits to be written. */
const FLUSH_INTERVAL_MS = 200;
/** pino's level number of `warn`: lines at it or above are written at once. */
const WARN_LEVEL = 40;

/** A logger writing one JSON object per line to fd 2; `buffered` gathers lines (above) instead of a write each. */
export function createLogger(level: string = "info", name = "floodgate", options: { buffered?: boolean } = {}): Logger {
  const buffered = options.buffered ?? false;
  const destination = pino.destination({
    fd: 2,
    sync: false,
    ...(buffered ? { minLength: BUFFER_BYTES, periodicFlush: FLUSH_INTERVAL_MS } : {}),
  });
  const hooks = {
    logMethod(this: Logger, args: Parameters<Logger["info"]>, method: Logger["info"], levelNumber: number) {
      method.apply(this, args);
      if (levelNumber >= WARN_LEVEL) destination.flush();
    },
  };
  return pino(
    { name, level, redact: { paths: REDACT, censor: "[redacted]" }, ...(buffered ? { hooks } : {}) },
    destination,
  );
}

const unredactedChildren = new WeakMap<Logger, Logger>();

/**
 * The same logger without redaction, for lines whose fields are fixed and hold no secret (the one summary line per
 * message): redaction walks every line's object for its paths, about as dear as writing the line, on every message.
 * Made once per logger.
 */
export function unredacted(logger: Logger): Logger {
  let child = unredactedChildren.get(logger);
  if (!child) {
    child = logger.child({}, { redact: [] });
    unredactedChildren.set(logger, child);
  }
  return child;
}

/** Hide the secrets of a URL (src/util/redact-url.ts) before it is logged. */
export { redactUrl } from "./redact-url.js";
