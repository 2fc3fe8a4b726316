/**
 * Macros with libmilter's stage scoping (milter-protocol.md §1.7): values sent for a stage replace that stage's
 * and clear all later stages'; lookups search from the latest stage back; `x` and `{x}` match each other.
 * Macros sent with codes that have no stage (Postfix's `L`, `B`, `U`) live until the next command. A packet's values
 * are parsed only when a lookup needs them, once, and only up to the per-stage limit.
 */
import {
  MILTER_MAX_DATA_SIZE,
  SMFIC_BODYEOB,
  SMFIC_CONNECT,
  SMFIC_DATA,
  SMFIC_EOH,
  SMFIC_HELO,
  SMFIC_MAIL,
  SMFIC_RCPT,
  SMFIM_CONNECT,
  SMFIM_DATA,
  SMFIM_EOH,
  SMFIM_EOM,
  SMFIM_ENVFROM,
  SMFIM_ENVRCPT,
  SMFIM_HELO,
} from "./constants.js";
import { readMacroPairs } from "./commands.js";

const STAGE_OF_COMMAND = new Map<number, number>([
  [SMFIC_CONNECT, SMFIM_CONNECT],
  [SMFIC_HELO, SMFIM_HELO],
  [SMFIC_MAIL, SMFIM_ENVFROM],
  [SMFIC_RCPT, SMFIM_ENVRCPT],
  [SMFIC_DATA, SMFIM_DATA],
  [SMFIC_BODYEOB, SMFIM_EOM],
  [SMFIC_EOH, SMFIM_EOH],
]);
const STAGES = 7;

/**
 * The largest `D` packet accepted (its length: the code, then the payload), a protocol violation past it. libmilter
 * drops any packet whose payload is over 65535 bytes (MILTER_MAX_DATA_SIZE, milter-protocol.md §1.2), so no MTA
 * that works with libmilter milters sends a larger one; Sendmail asks for at most 50 macros a stage (§1.6).
 */
export const MAX_MACRO_PACKET_BYTES = MILTER_MAX_DATA_SIZE + 1;

/** Strip the braces of a long macro name: `{client_addr}` → `client_addr`. */
function key(name: string): string {
  return name.length > 2 && name.startsWith("{") && name.endsWith("}") ? name.slice(1, -1) : name;
}

type MacroPairs = ReadonlyArray<readonly [string, string]>;

/**
 * A stage's values: their map, or the `D` payload they came in (its command code, then the pairs), parsed when a
 * lookup first reaches it. Postfix sends its default macros at every stage, and before every header and body chunk
 * (§1.7); a policy reads a few of them, so most packets are never parsed.
 */
type StageValues = Map<string, string> | Buffer;

export class MacroStore {
  private readonly stages: Array<StageValues | undefined> = new Array<StageValues | undefined>(STAGES);
  /** The bytes each stage's packet came in, counted against the session's buffers as long as the stage is kept. */
  private readonly stageBytes: number[] = new Array<number>(STAGES).fill(0);
  private transient: StageValues | undefined;
  private transientBytes = 0;
  /**
   * Stages whose packet held more than the limit of pairs, counted when the stage's values are made: those past the
   * limit are not read.
   */
  dropped = 0;

  constructor(private readonly maxPerStage = 256) {}

  /** Store the pairs of a `D` packet for the command `forCode`: a stage's values are replaced whole. */
  define(forCode: number, pairs: MacroPairs): void {
    this.put(forCode, this.mapOf(pairs));
  }

  /**
   * Store a `D` packet's payload as it came, its values parsed at the first lookup that reaches them. A stage's
   * payload is copied (it may outlive the socket's read buffer by a whole session); a transient one, gone at the end
   * of the next command, is kept as it is.
   */
  definePacket(payload: Buffer): void {
    const forCode = payload[0] ?? 0;
    this.put(forCode, STAGE_OF_COMMAND.has(forCode) ? Buffer.from(payload) : payload, payload.length);
  }

  /** Bytes of the packets the stages kept and the transient one came in. */
  get retainedBytes(): number {
    let bytes = this.transientBytes;
    for (const b of this.stageBytes) bytes += b;
    return bytes;
  }

  private put(forCode: number, values: StageValues, bytes = 0): void {
    const stage = STAGE_OF_COMMAND.get(forCode);
    if (stage === undefined) {
      this.transient = values;
      this.transientBytes = bytes;
      return;
    }
    this.stages[stage] = values;
    this.stageBytes[stage] = bytes;
    this.clearFrom(stage + 1);
  }

  private mapOf(pairs: MacroPairs): Map<string, string> {
    const map = new Map<string, string>();
    for (const [name, value] of pairs) {
      if (map.size >= this.maxPerStage) {
        this.dropped++;
        continue;
      }
      map.set(key(name), value);
    }
    return map;
  }

  /** The map of `values`, made from its packet the first time, from at most the limit's pairs. */
  private made(values: StageValues): Map<string, string> {
    if (values instanceof Map) return values;
    const { pairs, cut } = readMacroPairs(values, this.maxPerStage);
    if (cut) this.dropped++;
    return this.mapOf(pairs);
  }

  /** Called after each command: transient macros do not outlive it. */
  endCommand(): void {
    this.transient = undefined;
    this.transientBytes = 0;
  }

  /** Forget the stages of a transaction (from ENVFROM on), as at a new MAIL or ABORT. */
  clearFrom(stage: number): void {
    for (let i = stage; i < STAGES; i++) {
      this.stages[i] = undefined;
      this.stageBytes[i] = 0;
    }
  }

  get(name: string): string | undefined {
    const k = key(name);
    if (this.transient !== undefined) {
      const transient = (this.transient = this.made(this.transient));
      const t = transient.get(k);
      if (t !== undefined) return t;
    }
    for (let i = STAGES - 1; i >= 0; i--) {
      const values = this.stages[i];
      if (values === undefined) continue;
      const map = values instanceof Map ? values : (this.stages[i] = this.made(values));
      const v = map.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
