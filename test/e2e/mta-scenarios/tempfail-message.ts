/** A tempfailed message gets 451 4.7.1 with the policy's text, and nothing is delivered. */
import type { Scenario } from "../../support/mta-scenario.js";
import { TEMPFAIL_REPLY } from "../../support/scripted-policy.js";

export default {
  name: "a tempfailed message gets 451 4.7.1 with the policy's text",
  steps: [
    {
      kind: "transaction",
      to: ["alice@box.lab"],
      subject: "tempfail",
      finalReply: [`451 4.7.1 ${String(TEMPFAIL_REPLY.text)}`],
      notDeliveredTo: ["alice@box.lab"],
    },
  ],
} satisfies Scenario;
