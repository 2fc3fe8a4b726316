/**
 * Test support: what a real-MTA scenario states, as data. One file per case in test/e2e/mta-scenarios/ exports a
 * `Scenario`: the SMTP conversation (envelope, subject, body), the milter settings it needs, the replies the SMTP
 * client must get and what must (or must not) be delivered. The runner (test/e2e/mta-scenarios.runner.ts) plays every
 * scenario through Postfix and Sendmail against both engines with the scripted policy (test/support/scripted-policy.ts,
 * whose verdict follows the Subject and the recipients). A value the two MTAs spell differently is a `ByMta`, and a
 * scenario one MTA cannot play says so in `only` with the reason.
 */
import type { MilterConfig } from "../../src/config/schema.js";
import type { ConnectInfo } from "../../src/vocabulary/mail.js";

/** The MTAs a scenario is played through. */
export type MtaName = "postfix" | "sendmail";

/** One value for both MTAs, or one each where they differ. */
export type ByMta<T> = T | { postfix: T; sendmail: T };

/** An SMTP reply as expected: its code alone, or its exact lines (`550-5.7.1 …`, `550 5.7.1 …`). */
export type ReplyExpectation = number | readonly string[];

/** The value of `value` for `mta`. */
export function forMta<T>(value: ByMta<T>, mta: MtaName): T {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "postfix" in value && "sendmail" in value)
    return value[mta];
  return value;
}

/** A message body the runner builds: literal text, or that many bytes of random base64 lines. */
export type BodySpec = string | { randomBase64Bytes: number };

/** What was delivered of one message. */
export interface DeliveryExpectation {
  /** Each of these recipients got exactly one copy. */
  to: readonly string[];
  /** Header fields of the delivered copy and their exact values (an empty list: the field is absent). */
  headers?: ByMta<Readonly<Record<string, readonly string[]>>>;
  /** The body arrived byte for byte as sent (line endings aside). */
  bodyIntact?: boolean;
}

/** What the policy must have been told about the message at end of message. */
export interface PolicyExpectation {
  /** The queue id the MTA gave the milter is the one in its final reply. */
  queueIdInFinalReply?: boolean;
  /** The connect information (milter-protocol.md §1.8); the client's port is whatever it was. */
  connect?: Omit<ConnectInfo, "port">;
  /** The envelope recipients the policy saw at end of message. */
  recipients?: readonly string[];
  /** The capture the policy got was capped while the MTA counted every body byte. */
  capturedTruncated?: boolean;
}

/** One transaction in the scenario's SMTP session. */
export interface TransactionStep {
  kind: "transaction";
  /** Envelope recipients (the header To: lists them too). The sender is the lab's client address. */
  to: readonly string[];
  /** The Subject, which chooses the scripted policy's verdict (`tag`, `change`, `reject`, `tempfail`, `slow`). */
  subject: string;
  body?: BodySpec;
  /** The RCPT replies, in order. */
  rcptReplies?: ByMta<readonly ReplyExpectation[]>;
  /** The reply to the final dot: `"accepted"` (any 2xx), a code, or exact lines. */
  finalReply: ByMta<"accepted" | ReplyExpectation>;
  /** What was delivered; absent when nothing may be. */
  delivered?: DeliveryExpectation;
  /** Recipients that must get no copy of this message. */
  notDeliveredTo?: readonly string[];
  policySaw?: ByMta<PolicyExpectation>;
}

/** RSET; with `abandon`, first MAIL and RCPT to those recipients, then RSET (the MTA aborts the milter transaction). */
export interface ResetStep {
  kind: "rset";
  abandon?: readonly string[];
}

export type ScenarioStep = TransactionStep | ResetStep;

/** One real-MTA case. */
export interface Scenario {
  /** The test's name: what the case shows. */
  name: string;
  /** The MTAs that play it, when not both, and why (a milter-protocol.md section). */
  only?: { mtas: readonly MtaName[]; reason: string };
  /** Also played with the milter on a unix socket (the core cases). @defaultValue false */
  unixSocket?: boolean;
  /** Milter settings this case needs, set for the case and restored after it (both engines read them per session). */
  milter?: Partial<Pick<MilterConfig, "deadlineFailMode">>;
  /** The SMTP session, in order: one SMTP connection, EHLO, the steps, QUIT. */
  steps: readonly ScenarioStep[];
}
