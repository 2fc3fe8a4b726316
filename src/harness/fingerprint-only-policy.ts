/**
 * A benchmark-only policy between the no-op policy and Floodgate's: at end of message it fingerprints the message the
 * engine captured, with the fingerprint pool it is given, within the deadline, as Floodgate's policy does
 * (src/policy/floodgate-policy.ts), then answers continue with one header that says whether a fingerprint was made
 * (./header-only-policy.ts). No campaign store, no decision, no scan: a path with it, beside the no-op policy and
 * Floodgate, tells the fingerprint's share of Floodgate's cost from the store's and the policy's.
 */
import type { FingerprintSource } from "../policy/floodgate-policy.js";
import type { MilterPolicy } from "../vocabulary/policy-api.js";
import { headerOnlyPolicy } from "./header-only-policy.js";

/** The header the policy adds to every message: `ok`, or `skipped <reason>` when the pool made no fingerprint. */
export const FINGERPRINT_ONLY_HEADER = "X-Floodgate-Fingerprint";

/** The policy over `pool`. */
export function fingerprintOnlyPolicy(pool: FingerprintSource): MilterPolicy {
  return headerOnlyPolicy("fingerprint-only", FINGERPRINT_ONLY_HEADER, async (message, deadline) => {
    // The deadline's time, not its signal, as Floodgate's policy hands it over (floodgate-policy.ts says why).
    const outcome = await pool.fingerprint(message.raw, { withinMs: deadline.remaining() });
    return outcome.status === "ok" ? "ok" : `skipped ${outcome.reason}`;
  });
}
