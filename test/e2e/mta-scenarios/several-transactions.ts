/**
 * Several messages in one SMTP session each get their own verdict: a tagged one, RSET, a transaction abandoned after
 * RCPT (the MTA sends ABORT, milter-protocol.md §1.12), a rejected one, a tagged one again.
 */
import type { Scenario } from "../../support/mta-scenario.js";
import { TAG_HEADER, TAG_VALUE } from "../../support/scripted-policy.js";

const tagged = {
  kind: "transaction",
  to: ["erin@box.lab"],
  subject: "tag",
  finalReply: "accepted",
  delivered: { to: ["erin@box.lab"], headers: { [TAG_HEADER]: [TAG_VALUE] } },
} as const;

export default {
  name: "several messages in one SMTP session (RSET, a second and third MAIL) each get their own verdict",
  steps: [
    tagged,
    { kind: "rset" },
    { kind: "rset", abandon: ["erin@box.lab"] },
    { kind: "transaction", to: ["erin@box.lab"], subject: "reject", finalReply: 550, notDeliveredTo: ["erin@box.lab"] },
    tagged,
  ],
} satisfies Scenario;
