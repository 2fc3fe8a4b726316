/**
 * End-of-message modifications as both engines send them: the SMFIF_* action each one needs, and the order and filter
 * the negotiation imposes (milter-protocol.md §1.4). Encoding is the engines' part: wire frames
 * (src/milter/responses.ts) or the libmilter shim's records (engine/libmilter/answer.ts).
 */
import { SMFIF_ADDHDRS, SMFIF_ADDRCPT, SMFIF_ADDRCPT_PAR, SMFIF_CHGBODY } from "../milter/constants.js";
import { SMFIF_CHGFROM, SMFIF_CHGHDRS, SMFIF_DELRCPT, SMFIF_QUARANTINE } from "../milter/constants.js";
import type { Modification } from "../vocabulary/modification.js";

const ACTION_OF: Record<Modification["kind"], number> = {
  addHeader: SMFIF_ADDHDRS,
  insertHeader: SMFIF_ADDHDRS,
  changeHeader: SMFIF_CHGHDRS,
  changeFrom: SMFIF_CHGFROM,
  addRecipient: SMFIF_ADDRCPT,
  deleteRecipient: SMFIF_DELRCPT,
  replaceBody: SMFIF_CHGBODY,
  quarantine: SMFIF_QUARANTINE,
};

/** The SMFIF_* action a modification needs; a recipient added with ESMTP arguments needs SMFIF_ADDRCPT_PAR. */
export function actionOf(mod: Modification): number {
  if (mod.kind === "addRecipient" && mod.args && mod.args.length > 0) return SMFIF_ADDRCPT_PAR;
  return ACTION_OF[mod.kind];
}

const orderOf = (m: Modification) => (m.kind === "replaceBody" ? 1 : m.kind === "quarantine" ? 2 : 0);

/**
 * The modifications the negotiated `actions` allow, in the order they are sent: body replacement contiguous (§1.4),
 * quarantine last, the rest as the policy listed them. `dropped` hears each one the negotiation leaves out.
 */
export function negotiatedModifications(
  mods: readonly Modification[],
  actions: number,
  dropped: (mod: Modification) => void,
): Modification[] {
  const allowed: Modification[] = [];
  for (const mod of [...mods].sort((a, b) => orderOf(a) - orderOf(b))) {
    if ((actions & actionOf(mod)) === 0) dropped(mod);
    else allowed.push(mod);
  }
  return allowed;
}
