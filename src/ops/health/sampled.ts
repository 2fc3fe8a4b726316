/**
 * A value sampled on a timer from something that may be down (Redis, the scan queue, the MTA's queue): one attempt
 * at a time, each bounded by `timeoutMs`, and none started while an earlier one still waits (a hung dependency does
 * not pile up requests). The state the rules read holds the value only when the last attempt got it: a stale value
 * is no evidence. The first failure and the recovery are logged once each.
 */
import type { Logger } from "../../util/logger.js";

export interface SampledOptions<T> {
  /** What is sampled, for the log ("the scan queue"). */
  what: string;
  /** One attempt; rejects with the reason it failed. */
  attempt: () => Promise<T>;
  intervalMs: number;
  timeoutMs: number;
  /** Called after every attempt, with the value when it worked (to set gauges, keep windows). */
  after?: (value: T | null) => void;
  clock?: () => number;
  logger?: Logger;
}

/** The last attempt's outcome, as of one instant. */
export interface SampledState<T> {
  /** The last value, when the last attempt got it; null otherwise. */
  value: T | null;
  /** Seconds since an attempt last worked (since start when none has); 0 while they work. */
  failingSeconds: number;
  /** Why the last attempt failed; null when it worked. */
  lastError: string | null;
}

/** Samples every `intervalMs` once started; `state()` answers at once. */
export class Sampled<T> {
  readonly #o: SampledOptions<T>;
  readonly #clock: () => number;
  readonly #startedAt: number;
  #value: T | null = null;
  #lastOkAt: number | null = null;
  #lastError: string | null = "not sampled yet";
  #inFlight: Promise<unknown> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #warned = false;

  constructor(options: SampledOptions<T>) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#startedAt = this.#clock();
  }

  /** Sample every `intervalMs` from now on (the first at the first tick, or when `sample()` is called). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sample(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stop the timer and wait for an attempt in flight (bounded by its timeout). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#inFlight;
  }

  /** One attempt (a failure while an earlier one still waits). Never throws. */
  async sample(): Promise<void> {
    if (this.#inFlight) return this.#settle(null, `the previous sample of ${this.#o.what} is still waiting`);
    let timer: NodeJS.Timeout | undefined;
    const attempt = Promise.resolve().then(this.#o.attempt);
    const done = attempt.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight = done;
    void done.finally(() => {
      if (this.#inFlight === done) this.#inFlight = null;
    });
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.#o.timeoutMs} ms`)), this.#o.timeoutMs);
      });
      this.#settle(await Promise.race([attempt, timeout]), null);
    } catch (err) {
      this.#settle(null, (err as Error).message || "failed");
    } finally {
      clearTimeout(timer);
    }
  }

  state(now = this.#clock()): SampledState<T> {
    const ok = this.#lastError === null;
    return {
      value: ok ? this.#value : null,
      failingSeconds: ok ? 0 : Math.max(0, (now - (this.#lastOkAt ?? this.#startedAt)) / 1000),
      lastError: this.#lastError,
    };
  }

  #settle(value: T | null, error: string | null): void {
    if (error === null) {
      this.#value = value;
      this.#lastOkAt = this.#clock();
      this.#lastError = null;
      if (this.#warned) this.#o.logger?.info(`${this.#o.what} can be sampled again`);
      this.#warned = false;
    } else {
      this.#lastError = error;
      if (!this.#warned) this.#o.logger?.warn({ reason: error }, `${this.#o.what} cannot be sampled`);
      this.#warned = true;
    }
    this.#o.after?.(error === null ? value : null);
  }
}

/**
 * A probe of a dependency over one Sampled: `start()` probes at once and then every `intervalMs`, `probe()` once now.
 * A subclass says what one attempt is and what follows each (its gauges).
 */
export abstract class SampledProbe<T> {
  protected readonly sampled: Sampled<T>;

  constructor(options: Omit<SampledOptions<T>, "attempt" | "after">) {
    this.sampled = new Sampled({ ...options, attempt: () => this.attempt(), after: (value) => this.after(value) });
  }

  /** One attempt; rejects with the reason it failed. */
  protected abstract attempt(): Promise<T>;

  /** After every attempt, with the value when it worked. */
  protected abstract after(value: T | null): void;

  /** Probe now and then every `intervalMs` until `stop()`. */
  start(): void {
    this.sampled.start();
    void this.sampled.sample();
  }

  stop(): Promise<void> {
    return this.sampled.stop();
  }

  /** One probe now. Never throws. */
  probe(): Promise<void> {
    return this.sampled.sample();
  }
}
