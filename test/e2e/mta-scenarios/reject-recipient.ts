/**
 * A rejected recipient gets the policy's reply at RCPT while the other recipient is delivered, tagged, and the
 * rejected one gets no copy. Sendmail prefixes the address to a milter's RCPT reply text; Postfix passes it as sent.
 */
import type { Scenario } from "../../support/mta-scenario.js";
import { REJECT_RCPT, REJECT_RCPT_REPLY, TAG_HEADER, TAG_VALUE } from "../../support/scripted-policy.js";

const refused = String(REJECT_RCPT_REPLY.text);

export default {
  name: "a rejected recipient gets its reply while the other recipient is delivered",
  steps: [
    {
      kind: "transaction",
      to: ["carol@box.lab", REJECT_RCPT],
      subject: "tag",
      rcptReplies: {
        postfix: [["250 2.1.5 Ok"], [`550 ${REJECT_RCPT_REPLY.xcode} ${refused}`]],
        sendmail: [250, [`550 ${REJECT_RCPT_REPLY.xcode} <${REJECT_RCPT}>... ${refused}`]],
      },
      finalReply: "accepted",
      delivered: {
        to: ["carol@box.lab"],
        headers: {
          // Postfix's local delivery names the recipient; Sendmail's next hop (smtp-sink) records the envelope.
          postfix: { [TAG_HEADER]: [TAG_VALUE], "Delivered-To": ["carol@box.lab"] },
          sendmail: { [TAG_HEADER]: [TAG_VALUE], "X-Rcpt-Args": ["<carol@box.lab>"] },
        },
      },
      notDeliveredTo: [REJECT_RCPT],
    },
  ],
} satisfies Scenario;
