/**
 * Option negotiation (milter-protocol.md §1.5, §1.6): from the MTA's offer and what the policy needs, the version,
 * action and protocol masks we reply with, always subsets of the offer, and no-reply promises only where offered.
 */
import {
  SMFI_PROT_VERSION,
  SMFI_PROT_VERSION_MIN,
  SMFIF_SETSYMLIST,
  SMFIP_HDR_LEADSPC,
  SMFIP_NOUNKNOWN,
  SMFIP_NR_BODY,
  SMFIP_NR_CONN,
  SMFIP_NR_DATA,
  SMFIP_NR_EOH,
  SMFIP_NR_HDR,
  SMFIP_NR_HELO,
  SMFIP_NR_MAIL,
  SMFIP_NR_RCPT,
  SMFIP_NR_UNKN,
} from "./constants.js";
import type { MacroLists } from "./responses.js";
import type { Stage } from "../vocabulary/stage.js";

/** The no-reply flag of each stage that has one. */
export const NO_REPLY_FLAG: Partial<Record<Stage, number>> = {
  connect: SMFIP_NR_CONN,
  helo: SMFIP_NR_HELO,
  mail: SMFIP_NR_MAIL,
  rcpt: SMFIP_NR_RCPT,
  data: SMFIP_NR_DATA,
  header: SMFIP_NR_HDR,
  eoh: SMFIP_NR_EOH,
  body: SMFIP_NR_BODY,
  unknown: SMFIP_NR_UNKN,
};

export interface Offer {
  version: number;
  actions: number;
  protocol: number;
}

export interface Wants {
  /** SMFIF_* bits the policy uses. */
  actions: number;
  /** Stages the policy may decide at: never promised no-reply. */
  decidesAt: ReadonlySet<Stage>;
  /** Stages to promise no reply for, when offered and not decided at. */
  noReplyStages: readonly Stage[];
  macros?: MacroLists;
}

export interface Negotiated {
  version: number;
  actions: number;
  protocol: number;
  macros: MacroLists | undefined;
  /** Actions the policy wanted that the MTA did not offer. */
  missingActions: number;
}

export class NegotiationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NegotiationError";
  }
}

export function negotiate(offer: Offer, wants: Wants): Negotiated {
  if (offer.version < SMFI_PROT_VERSION_MIN)
    throw new NegotiationError(`MTA protocol version ${offer.version} is older than ${SMFI_PROT_VERSION_MIN}`);
  const version = Math.min(SMFI_PROT_VERSION, offer.version);
  let protocol = 0;
  // Unknown SMTP commands mean nothing to a content scanner: skip them when allowed (§1.3).
  if (!wants.decidesAt.has("unknown")) protocol |= SMFIP_NOUNKNOWN;
  for (const stage of wants.noReplyStages) {
    const flag = NO_REPLY_FLAG[stage];
    if (flag !== undefined && !wants.decidesAt.has(stage)) protocol |= flag;
  }
  // Exact header bytes for fingerprints and for rebuilding the message (§1.4, DKIM lessons in §3).
  protocol |= SMFIP_HDR_LEADSPC;
  protocol &= offer.protocol; // only what was offered: a promise the MTA does not know would desync (§1.5)

  let actions = wants.actions & offer.actions;
  const hasMacros = wants.macros !== undefined && Object.keys(wants.macros).length > 0;
  const macros = hasMacros && version >= 6 && (offer.actions & SMFIF_SETSYMLIST) !== 0 ? wants.macros : undefined;
  if (macros) actions |= SMFIF_SETSYMLIST;
  return { version, actions, protocol, macros, missingActions: wants.actions & ~offer.actions };
}
