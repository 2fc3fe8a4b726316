/**
 * What the real-mail-flow comparison runs when not told otherwise, in one place for its two command lines
 * (`node dist/benchmarks/real-flow.js`: ./real-flow-command.ts; `floodgate bench`: src/cli/bench-command.ts, whose
 * help prints them) and for ./real-flow.ts and ./flow-path-names.ts. It imports nothing, so the CLI's option table
 * can read it without loading the harness.
 */

/** Distinct corpus messages a run, each sent once. */
export const DEFAULT_FLOW_MESSAGES = 400;

/** Interleaved rounds (every path once a round). */
export const DEFAULT_FLOW_ROUNDS = 3;

/** SMTP sessions at once, a run per count. */
export const DEFAULT_FLOW_SESSIONS: readonly number[] = [20, 1];

/**
 * Two warm-up rounds at the default sizes (2 × 2 session counts × 2 kinds × 400): V8's compiles of the daemon's code
 * fall to about ten per 400 messages within 3,000–4,000 (benchmarks/README, "What V8 keeps compiling"), and every
 * path is sent these through its Postfix, which at this size keeps the whole run near ten minutes on this machine.
 */
export const DEFAULT_WARM_UP = 3200;

/** The paths' list when none is given: the word that stands for DEFAULT_FLOW_PATHS (./flow-path-names.ts) in a list. */
export const DEFAULT_PATHS_WORD = "default";
