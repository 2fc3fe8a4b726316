/**
 * Macros with libmilter's stage scoping (milter-protocol.md §1.7): values sent for a stage replace that stage's
 * and clear all later stages'; lookups search from the latest stage back; `x` and `{x}` match each other.
 * Macros sent with codes that have no stage (Postfix's `L`, `B`, `U`) live until the next command.
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

/** A `D` packet's pairs, the map made of them, and how many values the per-stage limit dropped. */
interface MadeMap {
  pairs: MacroPairs;
  map: Map<string, string>;
  dropped: number;
}

export class MacroStore {
  private readonly stages: Array<Map<string, string> | undefined> = new Array<Map<string, string> | undefined>(STAGES);
  private transient: Map<string, string> | undefined;
  /** The pairs defined last and the map made of them: the same pairs again (a repeated packet) share the map. */
  private last: MadeMap | null = null;
  /** Values dropped because a stage held more than the limit. */
  dropped = 0;

  constructor(private readonly maxPerStage = 256) {}

  /**
   * Store the pairs of a `D` packet for the command `forCode`. The store never changes a map once made (a stage's
   * values are replaced whole), so the same pairs array given again reuses the map made of it.
   */
  define(forCode: number, pairs: MacroPairs): void {
    if (this.last?.pairs !== pairs) this.last = this.mapOf(pairs);
    const { map, dropped } = this.last;
    this.dropped += dropped;
    const stage = STAGE_OF_COMMAND.get(forCode);
    if (stage === undefined) {
      this.transient = map;
      return;
    }
    this.stages[stage] = map;
    for (let i = stage + 1; i < STAGES; i++) this.stages[i] = undefined;
  }

  private mapOf(pairs: MacroPairs): MadeMap {
    const map = new Map<string, string>();
    let dropped = 0;
    for (const [name, value] of pairs) {
      if (map.size >= this.maxPerStage) {
        dropped++;
        continue;
      }
      map.set(key(name), value);
    }
    return { pairs, map, dropped };
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
    const t = this.transient?.get(k);
    if (t !== undefined) return t;
    for (let i = STAGES - 1; i >= 0; i--) {
      const v = this.stages[i]?.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
