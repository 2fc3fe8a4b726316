/**
 * The mail-flow watchdog's counters: the milter engine reports each session opened and each message decided, and the
 * alert rules read a snapshot (time since the last session and the last accepted message, verdict ratios over a sliding
 * window). Time is injectable, so tests need no sleeps.
 */

/** The verdicts sent to the MTA at end of message. */
export type FlowVerdict = "accept" | "continue" | "reject" | "tempfail" | "discard";

const VERDICTS: readonly FlowVerdict[] = ["accept", "continue", "reject", "tempfail", "discard"];

/** Counts per verdict. */
export type VerdictCounts = Record<FlowVerdict, number>;

/** What the watchdog rules and `/status` read. Times in ms since the epoch, durations in seconds. */
export interface MailFlowSnapshot {
  at: number;
  /** Seconds since the last session opened, or since this counter started when none has. */
  secondsSinceSession: number;
  /** Seconds since a message was accepted (accept or continue), or since start when none was. */
  secondsSinceAccepted: number;
  /** Sessions opened since the last accepted message (or since start). */
  sessionsSinceAccepted: number;
  sessionsTotal: number;
  decidedTotal: VerdictCounts;
  /** The sliding window the ratios are computed over. */
  window: {
    seconds: number;
    sessions: number;
    decided: number;
    verdicts: VerdictCounts;
    /** reject / decided in the window; 0 when nothing was decided. */
    rejectRatio: number;
    tempfailRatio: number;
  };
}

export interface MailFlowOptions {
  /** Length of the sliding window of the ratios. @defaultValue 300 */
  windowSeconds?: number;
  /** ms since the epoch. @defaultValue Date.now */
  clock?: () => number;
}

interface Bucket {
  second: number;
  sessions: number;
  verdicts: VerdictCounts;
}

const zero = (): VerdictCounts => ({ accept: 0, continue: 0, reject: 0, tempfail: 0, discard: 0 });

/** Mail-flow counters for the watchdog; cheap enough to call on every session and message. */
export class MailFlow {
  readonly #clock: () => number;
  readonly #buckets: Bucket[];
  readonly #startedAt: number;
  #lastSession: number | null = null;
  #lastAccepted: number | null = null;
  #sessionsSinceAccepted = 0;
  #sessionsTotal = 0;
  readonly #decidedTotal = zero();

  constructor(options: MailFlowOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    const seconds = Math.max(1, Math.floor(options.windowSeconds ?? 300));
    this.#buckets = Array.from({ length: seconds }, () => ({ second: -1, sessions: 0, verdicts: zero() }));
    this.#startedAt = this.#clock();
  }

  /** An MTA opened a milter session. */
  sessionOpened(now: number = this.#clock()): void {
    this.#lastSession = now;
    this.#sessionsTotal++;
    this.#sessionsSinceAccepted++;
    this.#bucket(now).sessions++;
  }

  /** A message got its final verdict. */
  messageDecided(verdict: FlowVerdict, now: number = this.#clock()): void {
    this.#decidedTotal[verdict]++;
    this.#bucket(now).verdicts[verdict]++;
    if (verdict === "accept" || verdict === "continue") {
      this.#lastAccepted = now;
      this.#sessionsSinceAccepted = 0;
    }
  }

  /** The numbers as of `now`. */
  snapshot(now: number = this.#clock()): MailFlowSnapshot {
    const seconds = this.#buckets.length;
    const current = Math.floor(now / 1000);
    const verdicts = zero();
    let sessions = 0;
    for (const b of this.#buckets) {
      if (b.second <= current - seconds || b.second > current) continue;
      sessions += b.sessions;
      for (const v of VERDICTS) verdicts[v] += b.verdicts[v];
    }
    const decided = VERDICTS.reduce((sum, v) => sum + verdicts[v], 0);
    const since = (t: number | null) => Math.max(0, (now - (t ?? this.#startedAt)) / 1000);
    return {
      at: now,
      secondsSinceSession: since(this.#lastSession),
      secondsSinceAccepted: since(this.#lastAccepted),
      sessionsSinceAccepted: this.#sessionsSinceAccepted,
      sessionsTotal: this.#sessionsTotal,
      decidedTotal: { ...this.#decidedTotal },
      window: {
        seconds,
        sessions,
        decided,
        verdicts,
        rejectRatio: decided === 0 ? 0 : verdicts.reject / decided,
        tempfailRatio: decided === 0 ? 0 : verdicts.tempfail / decided,
      },
    };
  }

  #bucket(now: number): Bucket {
    const second = Math.floor(now / 1000);
    const b = this.#buckets[second % this.#buckets.length]!;
    if (b.second !== second) {
      b.second = second;
      b.sessions = 0;
      b.verdicts = zero();
    }
    return b;
  }
}
