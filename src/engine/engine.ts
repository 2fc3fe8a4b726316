/**
 * The engine interface: what both milter engines implement, the TypeScript one (engine/typescript: the protocol in
 * TypeScript on Node's sockets) and the libmilter one (engine/libmilter: Sendmail's libmilter through a C shim).
 * An engine speaks the milter protocol with the MTA and drives a policy through the session core (src/session);
 * `floodgate run` picks one by `milter.engine` (select-engine.ts).
 */
import type { SessionObserver, SessionSettings } from "../session/session-api.js";
import type { MilterPolicy } from "../vocabulary/policy-api.js";
import type { Logger } from "../util/logger.js";

/** Hooks for metrics and the mail-flow watchdog: the session's, and the listener's. */
export interface EngineObserver extends SessionObserver {
  sessionOpened?(): void;
  sessionClosed?(): void;
  sessionRefused?(): void;
}

/** What an engine is started with. */
export interface MilterServerOptions {
  listen: readonly string[];
  policy: MilterPolicy;
  /** Read at every new session, so a reload applies to new sessions. */
  settings: () => SessionSettings & {
    maxSessions: number;
    idleTimeoutMs: number;
    keepAliveMs: number;
    socketMode: string;
  };
  logger: Logger;
  observer?: EngineObserver;
}

/** A running engine. */
export interface MilterServer {
  /** The bound addresses as listen specs, with real ports. */
  readonly addresses: readonly string[];
  /** Sessions open now. */
  sessionCount(): number;
  /** Stop accepting; wait up to `graceMs` for sessions to end, then close what remains. */
  close(graceMs?: number): Promise<void>;
}

/** An engine: its name, and how it starts. */
export interface MilterEngine {
  readonly name: "typescript" | "libmilter";
  readonly start: (options: MilterServerOptions) => Promise<MilterServer>;
}
