/**
 * Macros with libmilter's stage scoping (milter-protocol.md §1.7): values sent for a stage replace that stage's
 * and clear all later stages'; lookups search from the latest stage back; `x` and `{x}` match each other.
 * Macros sent with codes that have no stage (Postfix's `L`, `B`, `U`) live until the next command. A packet's values
 * are parsed only when a lookup needs them.
 */
import {
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
import { macroPairs } from "./commands.js";

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
  private transient: StageValues | undefined;
  /** Values dropped because a stage held more than the limit (counted when the stage's values are made). */
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
    this.put(forCode, STAGE_OF_COMMAND.has(forCode) ? Buffer.from(payload) : payload);
  }

  private put(forCode: number, values: StageValues): void {
    const stage = STAGE_OF_COMMAND.get(forCode);
    if (stage === undefined) {
      this.transient = values;
      return;
    }
    this.stages[stage] = values;
    for (let i = stage + 1; i < STAGES; i++) this.stages[i] = undefined;
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

  /** The map of `values`, made from its packet the first time. */
  private made(values: StageValues): Map<string, string> {
    return values instanceof Map ? values : this.mapOf(macroPairs(values));
  }

  /** Called after each command: transient macros do not outlive it. */
  endCommand(): void {
    this.transient = undefined;
  }

  /** Forget the stages of a transaction (from ENVFROM on), as at a new MAIL or ABORT. */
  clearFrom(stage: number): void {
    for (let i = stage; i < STAGES; i++) this.stages[i] = undefined;
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
