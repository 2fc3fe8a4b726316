/** A header the policy changes is changed in the delivered message, beside the header it adds. */
import type { Scenario } from "../../support/mta-scenario.js";
import { CHANGED_SUBJECT, TAG_HEADER, TAG_VALUE } from "../../support/scripted-policy.js";

export default {
  name: "a changed header is changed in the delivered message",
  steps: [
    {
      kind: "transaction",
      to: ["bob@box.lab"],
      subject: "change",
      finalReply: "accepted",
      delivered: { to: ["bob@box.lab"], headers: { Subject: [CHANGED_SUBJECT], [TAG_HEADER]: [TAG_VALUE] } },
    },
  ],
} satisfies Scenario;
