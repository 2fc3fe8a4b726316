/**
 * A policy that answers end of message after the deadline, with `deadlineFailMode: continue`: the engine lets the
 * message through with the status header naming the reason, drops the late answer (its tag never arrives), and the
 * MTA never applies its own milter default action (milter-protocol.md §1.10).
 */
import { defaultConfig } from "../../../src/config/schema.js";
import type { Scenario } from "../../support/mta-scenario.js";
import { TAG_HEADER } from "../../support/scripted-policy.js";

export default {
  name: "a handler that answers too late gets deadlineFailMode continue: delivered with the status header",
  milter: { deadlineFailMode: "continue" },
  steps: [
    {
      kind: "transaction",
      to: ["dave@box.lab"],
      subject: "slow",
      finalReply: "accepted",
      delivered: {
        to: ["dave@box.lab"],
        headers: { [defaultConfig().milter.statusHeader]: ["skipped; reason=eom-deadline"], [TAG_HEADER]: [] },
      },
    },
  ],
} satisfies Scenario;
