/**
 * One budget for the bytes the TypeScript engine's sessions hold in packet buffers (`milter.packetBudgetBytes`):
 * packets partly read, packets read and not yet handled, and the macro packets their stages keep. Each session holds
 * its first SESSION_FREE_PACKET_BYTES outside the budget, and past them only what the budget grants; a session the
 * budget refuses is closed with a warning (floodgate_protocol_errors_total{kind="packet-budget"}). However many
 * sessions hold large packets at once, they hold at most the budget between them beyond their free bytes:
 * `maxPacketBytes` bounds what one session buffers, not what all of them do.
 */
import { CaptureBudget } from "../../session/capture-budget.js";

/**
 * What a session buffers outside the budget: more than real MTAs make it hold. Postfix fills body chunks to 65535
 * bytes and sends a header of up to its header_size_limit, 102400 bytes by default, in one packet; its macro packets
 * are a few hundred bytes a stage, and libmilter refuses any packet over 65535 bytes (milter-protocol.md §1.2, §1.7).
 * So a message from a real MTA never draws on the budget unless its session falls behind, and hostile sessions that
 * spend the budget cannot make a well-behaved session close.
 */
export const SESSION_FREE_PACKET_BYTES = 128 * 1024;

/** The budget of the process's sessions. */
export const packetBudget = new CaptureBudget();

/** A session's share of the budget: what it holds beyond its free bytes. */
export class PacketAllowance {
  private held = 0;

  constructor(private readonly limit: () => number) {}

  /** Make the session's share fit `buffered` bytes in all: null, or why the budget cannot grant them. */
  hold(buffered: number): string | null {
    const wanted = Math.max(0, buffered - SESSION_FREE_PACKET_BYTES);
    if (wanted <= this.held) {
      packetBudget.release(this.held - wanted);
      this.held = wanted;
      return null;
    }
    const limit = this.limit();
    this.held += packetBudget.reserve(wanted - this.held, limit);
    if (this.held >= wanted) return null;
    return `${buffered} bytes buffered, past what milter.packetBudgetBytes (${limit}) leaves`;
  }

  /** Give the whole share back (the session ended). */
  release(): void {
    packetBudget.release(this.held);
    this.held = 0;
  }
}
