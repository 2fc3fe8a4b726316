/**
 * Test support: a MilterSession driven in memory (bytes in, responses out), for unit tests of the state machine.
 * The transport is a small recorder; there is no MTA here, so end-to-end behaviour is tested elsewhere.
 */
import { FrameDecoder } from "../../src/milter/decoder.js";
import { parseResponse, type Response } from "../../src/milter/responses.js";
import { MilterSession } from "../../src/engine/typescript/protocol-session.js";
import type { SessionObserver, SessionSettings } from "../../src/session/session-api.js";
import type { MilterPolicy } from "../../src/vocabulary/policy-api.js";
import { defaultConfig } from "../../src/config/schema.js";
import { createLogger, type Logger } from "../../src/util/logger.js";

export class SessionHarness {
  readonly responses: Response[] = [];
  closed: Error | "clean" | null = null;
  readonly session: MilterSession;
  private readonly decoder = new FrameDecoder(1 << 30);
  readonly failModes: string[] = [];
  readonly decided: string[] = [];
  /** The kind of each protocol error counted: the session closed for each, but for unknown commands below 100. */
  readonly protocolErrors: string[] = [];

  constructor(policy: MilterPolicy, overrides: Partial<SessionSettings> = {}, logger: Logger = createLogger("silent")) {
    // The tests count replies: they pin the no-reply stages to header and body unless they say otherwise.
    const settings = { ...defaultConfig().milter, noReplyStages: ["header", "body"] as const, ...overrides };
    const observer: SessionObserver = {
      failMode: (reason) => this.failModes.push(reason),
      messageDecided: (verdict) => this.decided.push(verdict),
      protocolError: (kind) => this.protocolErrors.push(kind),
    };
    this.session = new MilterSession(
      policy,
      () => settings,
      {
        write: (data) => {
          const frames = this.decoder.push(data);
          if (!Array.isArray(frames)) throw new Error(`the session wrote a bad frame: ${frames.kind}`);
          for (const f of frames) this.responses.push(parseResponse(f));
        },
        close: (error) => {
          this.closed = error ?? "clean";
        },
      },
      logger,
      observer,
    );
  }

  send(...packets: Buffer[]): void {
    for (const p of packets) this.session.receive(p);
  }

  /** Wait until at least `n` responses arrived (or fail after `ms`). */
  async waitFor(n: number, ms = 5000): Promise<Response[]> {
    const deadline = Date.now() + ms;
    while (this.responses.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} responses, got ${this.responses.length}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.responses;
  }

  types(): string[] {
    return this.responses.map((r) => r.type);
  }
}
