/**
 * Idle connections closed by one timer per server, not one per socket: a socket's own timeout is armed at accept,
 * re-armed at every read and write and removed at close, and Postfix opens a connection per SMTP session, so that
 * was timer work on every packet of every message. Here a connection only notes when it last read or wrote, and a
 * sweep a few times per timeout (at most every second) closes those quiet for longer than the timeout: a connection is
 * closed between `idleMs` and `idleMs` plus one sweep interval after its last activity.
 *
 * A connection that has not finished option negotiation within NEGOTIATION_MS of its accept is closed too, however
 * many bytes it sends: an MTA negotiates at once (Postfix gives connect and negotiation milter_connect_timeout, 30 s
 * by default; milter-protocol.md §1.10), while a peer that trickles bytes or sends none would otherwise hold a
 * session slot for the whole idle timeout, and `maxSessions` of them refuse every MTA.
 */

import { LiveList, type LiveEntry } from "../../util/live-list.js";

/** One connection as the sweep sees it. */
export interface IdleConnection {
  /** performance.now() of its last read or write. */
  lastActive: number;
  /** performance.now() of its accept. */
  readonly openedAt: number;
  /** Whether option negotiation is done (the session has written its answer). */
  negotiated: boolean;
  /** Close it: it has been idle too long, or took too long to negotiate. */
  closeIdle(reason: "idle" | "not negotiated"): void;
}

/** How long a connection has to finish option negotiation, at most (the idle timeout when that is shorter). */
export const NEGOTIATION_MS = 30_000;

const MAX_SWEEP_MS = 1000;
const MIN_SWEEP_MS = 10;

/** The sweep's interval for a timeout: a quarter of it, within 10 ms and 1 s. */
export function sweepIntervalMs(idleMs: number): number {
  return Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, Math.floor(idleMs / 4)));
}

/** The idle connections of one server; `idleMs` is read at every sweep, so a reloaded setting applies. */
export class IdleSweep {
  readonly #connections = new LiveList<IdleConnection>();
  readonly #idleMs: () => number;
  #timer: NodeJS.Timeout | null = null;

  constructor(idleMs: () => number) {
    this.#idleMs = idleMs;
  }

  /** Watch a connection; its entry is what `delete` takes. */
  add(connection: IdleConnection): LiveEntry<IdleConnection> {
    const entry = this.#connections.add(connection);
    this.#schedule();
    return entry;
  }

  delete(entry: LiveEntry<IdleConnection>): void {
    this.#connections.remove(entry);
  }

  /** Stop sweeping (the server is closing; its connections are closed by it). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.#sweep(), sweepIntervalMs(this.#idleMs()));
    // A daemon with open connections and nothing else to do is still running: the sweep never holds it alive.
    this.#timer.unref();
  }

  #sweep(): void {
    this.#timer = null;
    const now = performance.now();
    const oldest = now - this.#idleMs();
    const negotiatedBy = now - Math.min(NEGOTIATION_MS, this.#idleMs());
    for (const entry of this.#connections.entries()) {
      const connection = entry.value;
      const late = !connection.negotiated && connection.openedAt <= negotiatedBy;
      if (!late && connection.lastActive > oldest) continue;
      this.#connections.remove(entry);
      connection.closeIdle(late ? "not negotiated" : "idle");
    }
    if (this.#connections.size > 0) this.#schedule();
  }
}
