/**
 * The hold-queue helper's protocol: one JSON object a line over a unix socket, one answer a line. Floodgate's daemon
 * runs without privileges (the shipped unit sets NoNewPrivileges); the helper runs as root next to the MTA and does
 * the queue actions Postfix keeps for the super-user (postsuper). It acts only on well-formed queue ids that the
 * daemon recorded with it when it held the copy, never on `ALL`, and only in the hold queue (or Sendmail's quarantine).
 */

/** What the daemon asks. `record` at hold time; `release` and `delete` when the campaign is judged or its hold ends. */
export type HelperRequest =
  | { op: "hello" }
  | { op: "record"; ids: string[] }
  | { op: "release"; ids: string[] }
  | { op: "delete"; ids: string[]; sample?: boolean };

/** What became of one id: done, no longer held (delivered, deleted or never held), or refused (not recorded). */
export type IdOutcome = "released" | "deleted" | "gone" | "refused";

export type HelperResponse =
  | { ok: true; mta: string; longQueueIds: boolean; recorded: number }
  | { ok: true; outcomes: Record<string, IdOutcome>; sample?: string }
  | { ok: false; error: string };

/** Ids one request may carry. */
export const MAX_IDS_PER_REQUEST = 200;
/** A request line longer than this closes the connection. */
export const MAX_REQUEST_BYTES = 16 * 1024;
/** A deleted copy's sample is cut to this many bytes. */
export const MAX_SAMPLE_BYTES = 256 * 1024;

/** The MTAs whose hold queue the helper knows. */
export type HoldMta = "postfix" | "sendmail";

// Postfix's long queue ids (enable_long_queue_ids = yes): ten characters of time and microseconds in base 52 (digits
// and consonants), `z`, then the inode number in base 51 (no `z`), so an id is never reused. A short id (hex) can
// be reused after the message leaves the queue, so it is never accepted.
const POSTFIX_LONG_ID = /^[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]{1,16}$/;
// Sendmail's queue ids: 14 or more characters of [0-9A-Za-x] (8.12 and later), time-based, not reused.
const SENDMAIL_ID = /^[0-9A-Za-x]{14,20}$/;

/** Whether `id` is a well-formed queue id of `mta` (for Postfix: a long one). */
export function isQueueId(mta: HoldMta, id: unknown): id is string {
  if (typeof id !== "string" || id.length > 32) return false;
  return mta === "postfix" ? POSTFIX_LONG_ID.test(id) : SENDMAIL_ID.test(id);
}

/** Parse one request line; throws with the reason when it is not a request the helper takes. */
export function parseRequest(line: string): HelperRequest {
  const value: unknown = JSON.parse(line);
  if (typeof value !== "object" || value === null) throw new Error("not an object");
  const { op, ids, sample } = value as Record<string, unknown>;
  if (op === "hello") return { op };
  if (op !== "record" && op !== "release" && op !== "delete") throw new Error(`unknown op ${JSON.stringify(op)}`);
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS_PER_REQUEST)
    throw new Error(`ids must be 1 to ${MAX_IDS_PER_REQUEST} queue ids`);
  if (!ids.every((id): id is string => typeof id === "string")) throw new Error("ids must be strings");
  if (op === "delete") return { op, ids, sample: sample === true };
  return { op, ids };
}
