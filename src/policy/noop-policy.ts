/**
 * A policy that decides nothing and adds nothing: the baseline for protocol tests and benchmarks.
 */
import { SMFIF_ADDHDRS } from "../milter/constants.js";
import type { MilterPolicy } from "../vocabulary/policy-api.js";

export function noopPolicy(): MilterPolicy {
  return {
    name: "noop",
    decidesAt: new Set(),
    actions: SMFIF_ADDHDRS,
    endOfMessage: () => Promise.resolve({ verdict: { kind: "continue" } }),
  };
}
