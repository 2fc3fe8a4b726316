/**
 * A rejected message gets the policy's multi-line reply exactly: every line repeats the code and the enhanced code,
 * and the `%` in the text, sent as `%%`, arrives as one `%` (milter-protocol.md §1.9: an unescaped `%` makes Sendmail
 * fall back to "550 5.7.1 Command rejected", and Postfix drops it).
 */
import type { Scenario } from "../../support/mta-scenario.js";

export default {
  name: "a rejected message gets the exact multi-line reply, % intact",
  unixSocket: true,
  steps: [
    {
      kind: "transaction",
      to: ["alice@box.lab"],
      subject: "reject",
      finalReply: [
        "550-5.7.1 Message rejected by the Floodgate test policy",
        "550-5.7.1 100% certain: it asked to be rejected",
        "550 5.7.1 See you later",
      ],
      notDeliveredTo: ["alice@box.lab"],
    },
  ],
} satisfies Scenario;
