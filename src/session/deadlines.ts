/**
 * Every time budget of a milter session, derived here and nowhere else: a stage's deadline (`milter.commandDeadlineMs`,
 * `milter.eomDeadlineMs`), the policy's deadline inside the end-of-message one (a little shorter, so the policy answers
 * with its own fail mode and precise reason before the engine's generic eom-deadline), and the libmilter shim's safety
 * timeout in C (a little longer, for when JavaScript does not answer at all).
 *
 * `milter.eomDeadlineMs` is when the answer must have left, so the engine's own timer is set before it: by a reserve,
 * and by how late the event loop has lately fired its timers (./loop-lag.ts), up to half the deadline. A timer fires
 * only when the loop comes round; on a busy or crowded host that can be hundreds of milliseconds after it was due.
 */
import { DeadlineError, type Deadline } from "../vocabulary/deadline.js";

/** The stage deadlines a session reads (a subset of the `milter` configuration section). */
export interface DeadlineSettings {
  commandDeadlineMs: number;
  eomDeadlineMs: number;
}

/** Added to the stage deadlines for the libmilter shim's own safety timeout. */
export const SAFETY_MARGIN_MS = 1000;

/** The budgets of a session's stages, in milliseconds. */
export interface StageBudgets {
  /** A stage before end of message: the policy's handler must answer within it. */
  commandMs: number;
  /**
   * End of message: the engine applies `milter.deadlineFailMode` with reason eom-deadline after it, so that even a
   * timer that fires late answers within `milter.eomDeadlineMs`.
   */
  eomMs: number;
  /** The policy's deadline at end of message (the Deadline it is handed). */
  policyEomMs: number;
  /** The shim's timeouts in C, for a stage before end of message and for end of message. */
  shimCommandMs: number;
  shimEomMs: number;
}

/**
 * The budgets for these settings, when the event loop has lately been up to `loopLagMs` late with its timers.
 */
export function stageBudgets(settings: DeadlineSettings, loopLagMs = 0): StageBudgets {
  const reserve = reserveMs(settings.eomDeadlineMs);
  const eomMs = settings.eomDeadlineMs - lateTimerMarginMs(settings.eomDeadlineMs, loopLagMs);
  return {
    commandMs: settings.commandDeadlineMs,
    eomMs,
    policyEomMs: Math.max(0, eomMs - reserve),
    shimCommandMs: settings.commandDeadlineMs + SAFETY_MARGIN_MS,
    shimEomMs: settings.eomDeadlineMs + SAFETY_MARGIN_MS,
  };
}

/**
 * Milliseconds kept back between the policy's deadline and the engine's, and between the engine's and
 * `milter.eomDeadlineMs`: a tenth, at least 20 and at most 100.
 */
export function reserveMs(deadlineMs: number): number {
  return Math.max(20, Math.min(100, Math.floor(deadlineMs / 10)));
}

/**
 * How much earlier than `deadlineMs` the engine's timer is set: the reserve plus the loop's recent lateness, at most
 * half the deadline (the policy keeps the other half; on a loop later than that, answers can be late).
 */
export function lateTimerMarginMs(deadlineMs: number, loopLagMs: number): number {
  const wanted = reserveMs(deadlineMs) + Math.max(0, Math.ceil(loopLagMs));
  return Math.min(wanted, Math.floor(deadlineMs / 2));
}

/** A deadline the engine started, stopped when the policy has answered. */
export interface RunningDeadline extends Deadline {
  /** End it now: its signal aborts (the engine's own deadline passed first). */
  end(): void;
  /** Stop the timer. */
  dispose(): void;
}

/**
 * Start a deadline `ms` from now, also ending when `parent` aborts. Its timer is made when first used, so a policy that
 * answers at once costs none; its AbortSignal only when asked for: `race`, on every message's Redis call, needs no
 * AbortController (with a listener on it, about 15 µs of the main thread a message on this machine's 2 cores).
 */
export function startDeadline(ms: number, parent?: AbortSignal): RunningDeadline {
  return new PolicyDeadline(performance.now() + ms, parent);
}

/** The timer's callback: a function of the module, so that arming a deadline makes no closure. */
function endDeadline(deadline: PolicyDeadline): void {
  deadline.end();
}

/**
 * A class, not an object of closures: one is made at every end of message, and its methods are shared, where the
 * closures (six of them, and an object with a getter) were made afresh for each message.
 */
class PolicyDeadline implements RunningDeadline {
  #controller: AbortController | null = null;
  #timer: NodeJS.Timeout | undefined;
  #armed = false;
  #ended = false;
  /** The races still waiting: each rejects when the deadline ends. */
  readonly #waiting = new Set<() => void>();
  /** The listener on `parent`, made when armed. */
  #onParentAbort: (() => void) | null = null;

  constructor(
    private readonly endsAt: number,
    private readonly parent: AbortSignal | undefined,
  ) {}

  get signal(): AbortSignal {
    this.#arm();
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(new DeadlineError());
    }
    return this.#controller.signal;
  }

  remaining(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  race<T>(promise: Promise<T>): Promise<T> {
    this.#arm();
    if (this.#ended) {
      promise.catch(() => undefined);
      return Promise.reject(new DeadlineError());
    }
    const waiting = this.#waiting;
    return new Promise<T>((resolve, reject) => {
      const onEnd = () => reject(new DeadlineError());
      waiting.add(onEnd);
      promise.then(
        (value) => {
          waiting.delete(onEnd);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(onEnd);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#controller?.abort(new DeadlineError());
    for (const reject of this.#waiting) reject();
    this.#waiting.clear();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onParentAbort) this.parent?.removeEventListener("abort", this.#onParentAbort);
  }

  #arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    if (this.#ended) return;
    this.#timer = setTimeout(endDeadline, Math.max(0, this.endsAt - performance.now()), this);
    if (!this.parent) return;
    if (this.parent.aborted) this.end();
    else {
      this.#onParentAbort = () => this.end();
      this.parent.addEventListener("abort", this.#onParentAbort, { once: true });
    }
  }
}
