/**
 * The shape of the benchmark-only policies between the no-op policy and Floodgate's (./fingerprint-only-policy.ts,
 * ./crossings-policy.ts): they answer at end of message only, as Floodgate's policy does, so the engine negotiates
 * the same no-reply stages, and always continue with one header saying what they did (as the C no-op reading the
 * message adds one).
 */
import { SMFIF_ADDHDRS } from "../milter/constants.js";
import type { Deadline } from "../vocabulary/deadline.js";
import type { CapturedMessage } from "../vocabulary/mail.js";
import type { MilterPolicy } from "../vocabulary/policy-api.js";
import type { Stage } from "../vocabulary/stage.js";

/** A policy named `name` that continues every message with `header` set to what `work` returns for it. */
export function headerOnlyPolicy(
  name: string,
  header: string,
  work: (message: CapturedMessage, deadline: Deadline) => Promise<string>,
): MilterPolicy {
  return {
    name,
    decidesAt: new Set<Stage>(["eom"]),
    actions: SMFIF_ADDHDRS,
    endOfMessage: async (_ctx, message, deadline) => ({
      verdict: { kind: "continue" },
      labels: [{ name: header, value: await work(message, deadline) }],
    }),
  };
}
