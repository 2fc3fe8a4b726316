/**
 * Test support: a MilterPolicy whose decisions follow the message, so end-to-end tests drive every verdict through a
 * real MTA just by choosing a recipient or a Subject:
 * - recipient `reject-rcpt@box.lab`: that recipient is rejected with `REJECT_RCPT_REPLY`;
 * - Subject `reject`: 550 5.7.1 with the multi-line `REJECT_REPLY`, whose text holds `%` (milter-protocol.md §1.9);
 * - Subject `tempfail`: 451 4.7.1 `TEMPFAIL_REPLY`;
 * - Subject `slow`: end of message answers `slowMs` later, ignoring the abort signal, so the engine's fail mode applies;
 * - Subject `change`: the Subject header is changed to `CHANGED_SUBJECT`, and the message is tagged;
 * - Subject `tag` or anything else: continue with the header `X-Floodgate-Test: tagged` added.
 * Every session and message it sees is recorded in `seen`, for the tests to check what the MTA sent.
 */
import { SMFIF_ADDHDRS, SMFIF_CHGHDRS } from "../../src/milter/constants.js";
import type { ConnectInfo, EnvelopeAddress } from "../../src/vocabulary/mail.js";
import type { EndOfMessageResult, SmtpReply, Verdict } from "../../src/vocabulary/verdict.js";
import type { MilterPolicy, SessionContext } from "../../src/vocabulary/policy-api.js";

export const TAG_HEADER = "X-Floodgate-Test";
export const TAG_VALUE = "tagged";
export const REJECT_RCPT = "reject-rcpt@box.lab";
export const REJECT_RCPT_REPLY: SmtpReply = { code: 550, xcode: "5.1.1", text: "recipient refused by the test policy" };
export const REJECT_REPLY: SmtpReply = {
  code: 550,
  xcode: "5.7.1",
  text: ["Message rejected by the Floodgate test policy", "100% certain: it asked to be rejected", "See you later"],
};
export const TEMPFAIL_REPLY: SmtpReply = { code: 451, xcode: "4.7.1", text: "Test policy says: try again later" };
export const CHANGED_SUBJECT = "changed by Floodgate";

/** What the policy saw of one message at end of message. */
export interface SeenMessage {
  sessionId: string;
  connect: ConnectInfo | null;
  helo: string | null;
  sender: EnvelopeAddress | null;
  recipients: EnvelopeAddress[];
  subject: string | null;
  queueId: string | undefined;
  headers: { name: string; value: string }[];
  bodyBytes: number;
  truncated: boolean;
}

export interface ScriptedPolicy extends MilterPolicy {
  /** Messages that reached end of message, in order. */
  readonly seen: SeenMessage[];
  /** Sessions whose connect stage ran, with what the MTA sent. */
  readonly connects: ConnectInfo[];
  /** How many transactions were aborted. */
  aborts(): number;
  /** Wait for the late answers of `slow` messages still pending (so a test ends with no timer left). */
  settled(): Promise<void>;
}

export interface ScriptedPolicyOptions {
  /** How late the `slow` end of message answers. @defaultValue 1500 */
  slowMs?: number;
}

/** A policy for engine e2e tests; see the module comment for the script. */
export function scriptedPolicy(options: ScriptedPolicyOptions = {}): ScriptedPolicy {
  const slowMs = options.slowMs ?? 1500;
  const seen: SeenMessage[] = [];
  const connects: ConnectInfo[] = [];
  const pending = new Set<Promise<unknown>>();
  let aborted = 0;

  const subjectOf = (ctx: SessionContext): string | null => {
    const h = ctx.transaction?.headers.find((x) => x.name.toLowerCase() === "subject");
    return h ? h.value.trim() : null;
  };

  return {
    name: "scripted-test",
    decidesAt: new Set(["rcpt", "eom"]),
    actions: SMFIF_ADDHDRS | SMFIF_CHGHDRS,
    seen,
    connects,
    aborts: () => aborted,
    async settled() {
      await Promise.all([...pending]);
    },
    connect(ctx): Verdict {
      if (ctx.connect) connects.push({ ...ctx.connect });
      return { kind: "continue" };
    },
    rcptTo(_ctx, recipient): Verdict {
      if (recipient.address.toLowerCase() === REJECT_RCPT) return { kind: "reject", reply: REJECT_RCPT_REPLY };
      return { kind: "continue" };
    },
    abort() {
      aborted++;
    },
    endOfMessage(ctx, message): Promise<EndOfMessageResult> {
      const txn = ctx.transaction;
      const subject = subjectOf(ctx);
      seen.push({
        sessionId: ctx.id,
        connect: ctx.connect,
        helo: ctx.helo,
        sender: txn ? { ...txn.sender } : null,
        recipients: txn ? txn.recipients.map((r) => ({ ...r })) : [],
        subject,
        queueId: txn?.queueId,
        headers: txn ? txn.headers.map((h) => ({ name: h.name, value: h.value })) : [],
        bodyBytes: message.totalBytes,
        truncated: message.truncated,
      });
      const tag: EndOfMessageResult = {
        verdict: { kind: "continue" },
        modifications: [{ kind: "addHeader", name: TAG_HEADER, value: TAG_VALUE }],
      };
      switch (subject?.toLowerCase()) {
        case "reject":
          return Promise.resolve({ verdict: { kind: "reject", reply: REJECT_REPLY } });
        case "tempfail":
          return Promise.resolve({ verdict: { kind: "tempfail", reply: TEMPFAIL_REPLY } });
        case "slow": {
          // Ignores the signal on purpose: the engine must answer with its fail mode and drop this late answer.
          const late = new Promise<EndOfMessageResult>((resolve) => setTimeout(() => resolve(tag), slowMs));
          pending.add(late);
          void late.finally(() => pending.delete(late));
          return late;
        }
        case "change":
          return Promise.resolve({
            verdict: { kind: "continue" },
            modifications: [
              ...(tag.modifications ?? []),
              { kind: "changeHeader", index: 1, name: "Subject", value: CHANGED_SUBJECT },
            ],
          });
        default:
          return Promise.resolve(tag);
      }
    },
  };
}
