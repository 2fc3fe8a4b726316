/**
 * A tagged message arrives once with the header added once, and the policy saw the queue id the MTA names in its
 * reply (Postfix's long queue id at end of message, real-mta-lab.md; Sendmail's from MAIL on), the SMTP client as
 * the MTA describes it, never the milter transport (milter-protocol.md §1.8), and the envelope recipients.
 */
import type { Scenario } from "../../support/mta-scenario.js";
import { TAG_HEADER, TAG_VALUE } from "../../support/scripted-policy.js";

export default {
  name: "a tagged message arrives once, with the header added once",
  unixSocket: true,
  steps: [
    {
      kind: "transaction",
      to: ["alice@box.lab"],
      subject: "tag",
      finalReply: "accepted",
      delivered: { to: ["alice@box.lab"], headers: { [TAG_HEADER]: [TAG_VALUE] } },
      policySaw: {
        queueIdInFinalReply: true,
        connect: { hostname: "localhost", family: "inet", address: "127.0.0.1" },
        recipients: ["alice@box.lab"],
      },
    },
  ],
} satisfies Scenario;
