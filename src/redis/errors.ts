/**
 * What a failed Redis command means for the mail path: it timed out, Redis is unreachable or not serving (loading,
 * busy, failing over), or Redis answered with an error. ioredis reports a command timeout only in its message text.
 */

/** The kind of a Redis failure. */
export type RedisFailure = "timeout" | "down" | "error";

/** Replies that mean Redis is not serving now rather than that the command is wrong. */
const NOT_SERVING = /LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN/;

/** Classify an error from an ioredis command. */
export function classifyRedisError(error: unknown): RedisFailure {
  if (!(error instanceof Error)) return "down";
  if (/timed out/i.test(error.message)) return "timeout";
  if (error.name === "ReplyError" && !NOT_SERVING.test(error.message)) return "error";
  return "down";
}
