/**
 * What the hostile-mail soak checks of each answer, as pure functions: the headers the MTA delivers once it has
 * applied the milter's modifications (milter-protocol.md §1.4: changeHeader counts the headers of one name, case
 * aside, from 1; an empty value deletes), whether a forged Floodgate header survived them, and whether the answer
 * carries a campaign or a counted reason.
 */
import type { EomResult } from "../client/milter-client.js";
import type { Modification } from "../vocabulary/modification.js";

/** The header fields after the MTA applied `mods`, in order. */
export function deliveredHeaders(
  incoming: ReadonlyArray<readonly [string, string]>,
  mods: readonly Modification[],
): Array<[string, string]> {
  const headers: Array<[string, string] | null> = incoming.map(([name, value]) => [name, value]);
  // The positions of each name (lowercased), so that a change finds its header without a scan of all of them.
  const byName = new Map<string, number[]>();
  headers.forEach((h, i) => {
    const key = h![0].toLowerCase();
    const list = byName.get(key) ?? [];
    list.push(i);
    byName.set(key, list);
  });
  const added: Array<[string, string]> = [];
  const inserted: Array<{ index: number; header: [string, string] }> = [];
  for (const mod of mods) {
    if (mod.kind === "addHeader") added.push([mod.name, mod.value]);
    else if (mod.kind === "insertHeader") inserted.push({ index: mod.index, header: [mod.name, mod.value] });
    else if (mod.kind === "changeHeader") {
      const at = byName.get(mod.name.toLowerCase())?.[mod.index - 1];
      if (at === undefined) {
        if (mod.value !== "") added.push([mod.name, mod.value]); // Postfix adds a header changed past the last one
      } else headers[at] = mod.value === "" ? null : [headers[at]![0], mod.value];
    }
  }
  const out = headers.filter((h): h is [string, string] => h !== null);
  for (const { index, header } of inserted) out.splice(Math.min(index, out.length), 0, header);
  return [...out, ...added];
}

/** Whether `name` is one of Floodgate's own headers (X-Floodgate-*, or the configured status header). */
export function isFloodgateHeader(name: string, statusHeader: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith("x-floodgate-") || lower === statusHeader.toLowerCase();
}

/** What one answer says. */
export interface AnswerJudgement {
  /** A forged Floodgate header (its value holds `forgedMark`) is still there after the modifications. */
  forgedSurvived: boolean;
  /** How the answer is labelled: `campaign`, `reason:<reason>`, or null when it carries neither. */
  label: string | null;
}

const CAMPAIGN_VALUE = /^[0-9a-f]{12}; copies=\d+; recipients=\d+$/;
const SKIPPED_VALUE = /^skipped; reason=([a-z0-9,-]+)(?:; [a-z0-9=., -]+)?$/;
const REPLY_CAMPAIGN = /campaign [0-9a-f]{12}/;
const REPLY_REASON = /Floodgate(?: cannot read it \(|: )([a-z0-9-]+)/;

/** Judge one end-of-message answer to `incoming` headers. */
export function judgeAnswer(
  incoming: ReadonlyArray<readonly [string, string]>,
  eom: EomResult,
  options: { statusHeader: string; forgedMark: string },
): AnswerJudgement {
  const delivered = deliveredHeaders(incoming, eom.modifications);
  const own = delivered.filter(([name]) => isFloodgateHeader(name, options.statusHeader));
  const forgedSurvived = own.some(([, value]) => value.includes(options.forgedMark));
  // Any header Floodgate wrote counts, wherever it is: a forged one beside it is judged above, not here.
  const values = (name: string) =>
    own.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, value]) => value.trim());
  let label: string | null = null;
  const skipped = values(options.statusHeader)
    .map((v) => SKIPPED_VALUE.exec(v))
    .find((m) => m !== null);
  if (values("X-Floodgate-Campaign").some((v) => CAMPAIGN_VALUE.test(v))) label = "campaign";
  else if (skipped) label = `reason:${skipped[1]}`;
  else if (eom.reply && REPLY_CAMPAIGN.test(eom.reply)) label = "campaign";
  else if (eom.reply) {
    const reason = REPLY_REASON.exec(eom.reply);
    if (reason) label = `reason:${reason[1]}`;
  }
  return { forgedSurvived, label };
}
