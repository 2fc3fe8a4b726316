/**
 * A Redis that answers but refuses writes: a replica (READONLY, as the old master is after a failover, or a URL that
 * names a replica) or a server at `maxmemory` with `noeviction` (OOM). Reads still work there, so the mail path looks
 * its campaign up read-only and applies what is known; this module says whether an error is such a refusal and keeps
 * the latest word on it, from the mail path and from the health probe alike, for `/readyz`, the metrics and the alerts.
 */

/** Why Redis refused a write. */
export type WriteRefusal = "readonly" | "oom";

/** The refusal an error from a write command is, or null for any other error. */
export function writeRefusalOf(error: unknown): WriteRefusal | null {
  if (!(error instanceof Error)) return null;
  if (/\bREADONLY\b/.test(error.message)) return "readonly";
  if (/\bOOM\b/.test(error.message)) return "oom";
  return null;
}

/** Where writes stand, as of one instant. */
export interface WriteHealth {
  /** The latest write was refused. */
  refusing: boolean;
  /** Why, while refusing. */
  reason: WriteRefusal | null;
  /** Seconds since writes were last accepted (since the first refusal seen when none was); 0 while accepted. */
  refusingSeconds: number;
  /** Redis's own words for the latest refusal; null while writes are accepted. */
  lastError: string | null;
}

/** The latest word on writes: the mail path and the probe report each write's outcome. */
export class RedisWrites {
  readonly #clock: () => number;
  #refusal: { reason: WriteRefusal; message: string } | null = null;
  #acceptedAt: number | null = null;
  #firstRefusedAt: number | null = null;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** A write was accepted. */
  accepted(): void {
    this.#refusal = null;
    this.#acceptedAt = this.#clock();
    this.#firstRefusedAt = null;
  }

  /** A write was refused; returns the refusal, or null when the error is not one (then nothing is recorded). */
  refused(error: unknown): WriteRefusal | null {
    const reason = writeRefusalOf(error);
    if (reason === null) return null;
    this.#refusal = { reason, message: (error as Error).message };
    this.#firstRefusedAt ??= this.#clock();
    return reason;
  }

  health(now = this.#clock()): WriteHealth {
    if (!this.#refusal) return { refusing: false, reason: null, refusingSeconds: 0, lastError: null };
    const since = this.#acceptedAt ?? this.#firstRefusedAt ?? now;
    return {
      refusing: true,
      reason: this.#refusal.reason,
      refusingSeconds: Math.max(0, (now - since) / 1000),
      lastError: this.#refusal.message,
    };
  }
}
