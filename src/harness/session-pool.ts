/**
 * The milter sessions of a load run: at most `maxSessions` open, each used for `perSession` transactions and then
 * closed (as Postfix opens one per SMTP session), a caller waiting when all are busy. `close()` ends every session,
 * the waiting callers getting none.
 */
import { MilterClient, type MtaStyle } from "../client/milter-client.js";
import type { LatencyRecorder } from "./stats.js";

/** One open session and the transactions it has carried. */
export interface Slot {
  client: MilterClient;
  used: number;
}

export interface SessionPoolOptions {
  target: string;
  style: MtaStyle;
  replyTimeoutMs: number;
  maxSessions: number;
  perSession: number;
  /** Hears each command's latency at the opening of a session (connect, helo). */
  recorder: LatencyRecorder;
}

export class SessionPool {
  readonly #o: SessionPoolOptions;
  readonly #idle: Slot[] = [];
  readonly #waiters: Array<(slot: Slot | null) => void> = [];
  readonly #all = new Set<MilterClient>();
  #open = 0;
  /** Set once the run ends: a released session is closed, not reused. */
  stopping = false;

  constructor(options: SessionPoolOptions) {
    this.#o = options;
  }

  /** A session: an idle one, a new one while fewer than `maxSessions` are open, else the next one released. */
  async acquire(): Promise<Slot | null> {
    const slot = this.#idle.pop();
    if (slot) return slot;
    if (this.#open >= this.#o.maxSessions) return new Promise((resolve) => this.#waiters.push(resolve));
    this.#open++;
    try {
      const { target, style, replyTimeoutMs, recorder } = this.#o;
      const client = await MilterClient.connect(target, { style, timeoutMs: replyTimeoutMs });
      this.#all.add(client);
      for (const step of await client.open()) if (step.response !== null) recorder.record(step.command, step.ms);
      return { client, used: 0 };
    } catch (err) {
      this.#open--;
      throw err;
    }
  }

  /** Give a session back: a broken or used-up one is closed (and a waiter gets a new one), else it is reused. */
  release(slot: Slot, broken: boolean): void {
    if (broken || slot.used >= this.#o.perSession || this.stopping) {
      this.#open--;
      this.#all.delete(slot.client);
      if (broken) slot.client.destroy();
      else void slot.client.quit().catch(() => undefined);
      const w = this.#waiters.shift();
      if (w) void this.acquire().then(w, () => w(null));
      return;
    }
    const w = this.#waiters.shift();
    if (w) w(slot);
    else this.#idle.push(slot);
  }

  /** End the run: waiters get no session, idle ones QUIT, and after a moment every session still open is closed. */
  async close(): Promise<void> {
    this.stopping = true;
    for (const w of this.#waiters.splice(0)) w(null);
    for (const slot of this.#idle.splice(0)) void slot.client.quit().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    for (const client of this.#all) client.destroy();
  }
}
