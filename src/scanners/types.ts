/**
 * The heavy scanners' common interface: one message in, a verdict and a score out, or a typed error.
 * A scanner's error or timeout is never taken as a verdict.
 */

/** Rules a scanner reports at most (the ones that weighed most). */
export const MAX_SCAN_RULES = 5;

/** What a scanner says about a message. */
export interface ScanResult {
  verdict: "spam" | "ham";
  score: number;
  /** The scanner's own spam threshold for this message; null when it gives none. */
  threshold: number | null;
  /** The rules or symbols that weighed most, highest first (a virus name for clamd). */
  rules: string[];
  /** Scanner-specific detail: the action. */
  details?: string;
}

/** One heavy scanner (spamd, rspamd, clamd, builtin). */
export interface Scanner {
  /** A short name recorded with the verdict ("spamd", "builtin"…). */
  readonly name: string;
  /**
   * Whether its "ham" can judge a campaign ham (with the ham margin): true for the spam scanners that weigh a whole
   * message (spamd, rspamd); false for the built-in rules, which catch a few kinds of spam and know nothing of the
   * rest, and for a virus scanner.
   */
  readonly saysHam: boolean;
  /** Scan one message; throws `ScannerError` on any failure, including a timeout or an abort. */
  scan(message: Buffer, signal?: AbortSignal): Promise<ScanResult>;
  /**
   * Teach the scanner a message a person labelled (spamd's Bayes, rspamd's classifier), or make it forget one it was
   * taught as `forgetting`; absent for a scanner that does not learn. Throws `ScannerError`.
   */
  learn?(message: Buffer, as: LearnAs, forgetting?: "spam" | "ham", signal?: AbortSignal): Promise<void>;
}

/** What a report teaches a scanner: this message is spam, ham, or (a report taken back) neither. */
export type LearnAs = "spam" | "ham" | "forget";

/** Why a scanner gave no verdict. */
export type ScannerErrorCode =
  /** The scanner could not be reached (connection refused, DNS, reset before a reply). */
  | "unavailable"
  /** The scanner's own time limit passed. */
  | "timeout"
  /** The caller's signal aborted the scan (job timeout, shutdown). */
  | "aborted"
  /** The scanner answered something we cannot read, or an error status. */
  | "protocol";

/** A scanner that gave no verdict; the job tries the next scanner, and fails (to be retried) when none answered. */
export class ScannerError extends Error {
  override readonly name = "ScannerError";
  constructor(
    readonly scanner: string,
    readonly code: ScannerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${scanner}: ${code}: ${message}`, options);
  }
}

/**
 * A signal that aborts when the caller's does or after `timeoutMs`, and a way to tell which one fired.
 * Throw `failure()` when an operation was cut short by it.
 */
export function scanDeadline(scanner: string, timeoutMs: number, signal?: AbortSignal) {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  return {
    signal: combined,
    failure(): ScannerError {
      if (signal?.aborted) return new ScannerError(scanner, "aborted", "the scan was aborted");
      return new ScannerError(scanner, "timeout", `no answer within ${timeoutMs} ms`);
    },
  };
}
