/**
 * A 10 MB message passes intact and tagged: the capture the policy gets is capped, the message is not, and the engine
 * counted every body byte.
 */
import type { Scenario } from "../../support/mta-scenario.js";
import { TAG_HEADER, TAG_VALUE } from "../../support/scripted-policy.js";

export default {
  name: "a 10 MB message passes intact",
  steps: [
    {
      kind: "transaction",
      to: ["alice@box.lab"],
      subject: "tag",
      body: { randomBase64Bytes: 10 * 1024 * 1024 },
      finalReply: "accepted",
      delivered: { to: ["alice@box.lab"], headers: { [TAG_HEADER]: [TAG_VALUE] }, bodyIntact: true },
      policySaw: { capturedTruncated: true },
    },
  ],
} satisfies Scenario;
