/**
 * A policy that answers end of message after the deadline, with `deadlineFailMode: tempfail`: the SMTP client gets
 * Floodgate's 451 with the fail reason's text, not the MTA's own default action (Postfix's milter_default_action,
 * Sendmail's F=T; milter-protocol.md §1.10).
 */
import { failModeVerdict } from "../../../src/vocabulary/fail-reasons.js";
import type { Scenario } from "../../support/mta-scenario.js";

const expected = failModeVerdict("tempfail", "eom-deadline");
if (expected.kind !== "tempfail" || !expected.reply) throw new Error("the eom-deadline fail mode has no 451 reply");

export default {
  name: "a handler that answers too late gets deadlineFailMode tempfail: Floodgate's 451, not the MTA's",
  milter: { deadlineFailMode: "tempfail" },
  steps: [
    {
      kind: "transaction",
      to: ["dave@box.lab"],
      subject: "slow",
      finalReply: [`451 4.7.1 ${String(expected.reply.text)}`],
      notDeliveredTo: ["dave@box.lab"],
    },
  ],
} satisfies Scenario;
