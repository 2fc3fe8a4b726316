/**
 * The JavaScript side of the shim's event queue: drains every event the shim has queued, keeps one LibmilterSession per
 * libmilter slot and generation, and hands a reload's new settings to the C side before the next event.
 */
import type { MilterServerOptions } from "../engine.js";
import {
  decodeEvents,
  FG_EV_CLOSE,
  FG_EV_NEGOTIATE,
  FG_EV_REFUSED,
  FG_EV_STOPPED,
  text,
  type ShimEvent,
} from "./events.js";
import type { Shim, UpdateArgs } from "./native.js";
import { LibmilterSession } from "./shim-session.js";

/** The settings the engine reads: the session's and the listener's. */
type EngineSettings = ReturnType<MilterServerOptions["settings"]>;

export class ShimEventPump {
  private readonly sessions = new Map<number, { gen: number; session: LibmilterSession }>();
  private buf = Buffer.allocUnsafe(256 * 1024);
  private applied: EngineSettings;
  private readonly debug: boolean;
  /** Read once at start by the C side: a reload does not change it. */
  private readonly maxSessions: number;
  private stopping = false;
  private stoppedResolve: () => void = () => undefined;
  /** Resolves when libmilter reports it has stopped. */
  readonly stopped = new Promise<void>((resolve) => (this.stoppedResolve = resolve));

  constructor(
    private readonly shim: Shim,
    private readonly options: MilterServerOptions,
    initial: EngineSettings,
    private readonly reloadable: (settings: EngineSettings) => UpdateArgs,
  ) {
    this.applied = initial;
    this.maxSessions = initial.maxSessions;
    this.debug = options.logger.isLevelEnabled("debug");
  }

  /** From now on a stop reported by libmilter is the one asked for, not an error. */
  markStopping(): void {
    this.stopping = true;
  }

  /** Handle every queued event (the shim wakes the caller once per non-empty queue). */
  drain(): void {
    this.applyReload();
    for (;;) {
      const n = this.shim.poll(this.buf);
      if (n < 0) {
        this.buf = Buffer.allocUnsafe(Math.max(this.buf.length * 2, -n));
        continue;
      }
      if (n === 0) return;
      for (const event of decodeEvents(this.buf, n)) this.handle(event);
    }
  }

  /** End every open session (after libmilter stopped). */
  endAll(): void {
    for (const { session } of this.sessions.values()) session.end();
    this.sessions.clear();
  }

  /** A reload gives a new settings object: the C side gets its new deadlines and fail mode before the next event. */
  private applyReload(): void {
    const current = this.options.settings();
    if (current === this.applied) return;
    this.applied = current;
    if (!this.shim.update(this.reloadable(current)))
      this.options.logger.warn(
        { statusHeader: current.statusHeader },
        "libmilter engine: status header name too long; kept the old one",
      );
  }

  private handle(event: ShimEvent): void {
    const { logger, observer = {} } = this.options;
    if (this.debug) logger.debug({ slot: event.slot, type: event.type, seq: event.seq }, "libmilter event");
    if (event.type === FG_EV_STOPPED) {
      if (!this.stopping)
        logger.error(
          { result: text(event.fields[0]) },
          "libmilter stopped by itself (its signal thread took SIGTERM, SIGINT or SIGHUP, or its listener failed)",
        );
      this.stoppedResolve();
      return;
    }
    if (event.type === FG_EV_REFUSED) {
      observer.sessionRefused?.();
      logger.warn({ limit: this.maxSessions }, "session limit reached; refusing a connection");
      return;
    }
    const entry = event.type === FG_EV_NEGOTIATE ? this.openSession(event) : this.sessions.get(event.slot);
    if (!entry || entry.gen !== event.gen) return;
    entry.session.handle(event);
    if (event.type === FG_EV_CLOSE) {
      this.sessions.delete(event.slot);
      observer.sessionClosed?.();
    }
  }

  /** A negotiation on a slot starts its session, unless this generation's is already open. */
  private openSession(event: ShimEvent): { gen: number; session: LibmilterSession } {
    const existing = this.sessions.get(event.slot);
    if (existing && existing.gen === event.gen) return existing;
    existing?.session.end();
    const { policy, logger, observer = {} } = this.options;
    const answer = (seq: number, status: number, reply: Buffer, mods: Buffer) =>
      this.shim.reply(event.slot, event.gen, seq, status, reply, mods);
    const entry = {
      gen: event.gen,
      session: new LibmilterSession(policy, this.options.settings(), answer, logger, observer),
    };
    this.sessions.set(event.slot, entry);
    observer.sessionOpened?.();
    return entry;
  }
}
