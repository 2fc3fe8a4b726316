/**
 * The MTA queue listings, counted as they stream: Postfix's `postqueue -j` (one JSON object per message) and
 * Sendmail's `mailq` (a table: a line per message, then its reason and recipients indented). Only counts and the
 * oldest arrival are kept; a line is read from its start (queue name and arrival time come first in Postfix's
 * output), so a message with many recipients costs no more than one with one.
 */
import { CappedLines } from "./lines.js";

/** What a listing says of the MTA's queue. */
export interface MtaQueueCounts {
  /** Messages the MTA tried to deliver and will retry. */
  deferred: number;
  /** Messages being delivered now. */
  active: number;
  /** Messages on hold (Postfix `postsuper -h`, a milter's quarantine). */
  hold: number;
  /** Messages not yet looked at by the queue manager (Postfix incoming and maildrop). */
  incoming: number;
  total: number;
  /** Seconds the oldest message has been queued; 0 when the queue is empty. */
  oldestAgeSeconds: number;
}

/** A listing parser: fed text as it arrives, then asked for the counts. */
export interface QueueListingParser {
  push(chunk: string): void;
  result(): MtaQueueCounts;
}

const empty = (): MtaQueueCounts => ({ deferred: 0, active: 0, hold: 0, incoming: 0, total: 0, oldestAgeSeconds: 0 });

/** `postqueue -j`: {"queue_name": "deferred", "queue_id": …, "arrival_time": 1528651542, …} per line. */
export function postfixParser(nowMs: number): QueueListingParser {
  const counts = empty();
  let oldest = Infinity;
  const lines = new CappedLines((line) => {
    const queue = /"queue_name"\s*:\s*"([a-z]+)"/.exec(line)?.[1];
    if (!queue) return;
    counts.total++;
    if (queue === "deferred") counts.deferred++;
    else if (queue === "active") counts.active++;
    else if (queue === "hold") counts.hold++;
    else counts.incoming++;
    const arrival = Number(/"arrival_time"\s*:\s*(\d+)/.exec(line)?.[1] ?? NaN);
    if (Number.isFinite(arrival) && arrival < oldest) oldest = arrival;
  });
  return {
    push: (chunk) => lines.push(chunk),
    result: () => {
      lines.end();
      const age = oldest === Infinity ? 0 : Math.max(0, nowMs / 1000 - oldest);
      return { ...counts, oldestAgeSeconds: age };
    },
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A `mailq` queue time such as "Mon Jan  1 12:00", in local time, has no year: the latest such time not after now
 * (plus a day of clock slack) is taken.
 */
export function mailqTime(text: string, nowMs: number): number | null {
  const m = /^\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return null;
  const year = new Date(nowMs).getFullYear();
  for (const y of [year, year - 1]) {
    const t = new Date(y, month, Number(m[2]), Number(m[3]), Number(m[4])).getTime();
    if (t <= nowMs + 86_400_000) return t;
  }
  return null;
}

/**
 * `mailq`: a message line "QUEUEID[*X-] SIZE DAY MON DD HH:MM SENDER", then indented lines: a "(reason)" line when a
 * delivery was tried and deferred, then the recipients. `*` marks a message being delivered. Quarantined messages
 * are listed only by `mailq -qQ`, so hold stays 0 for Sendmail.
 */
export function sendmailParser(nowMs: number): QueueListingParser {
  const counts = empty();
  let oldest = Infinity;
  /** The message whose indented lines follow: counted as incoming until a reason line shows it was deferred. */
  let pending = false;
  const lines = new CappedLines((line) => {
    const message = /^([A-Za-z0-9]{6,})([*X-]?)\s+(\d+)\s+(\w{3}\s+\w{3}\s+\d{1,2}\s+\d{1,2}:\d{2})\s/.exec(line);
    if (message) {
      counts.total++;
      pending = false;
      if (message[2] === "*") counts.active++;
      else {
        counts.incoming++;
        pending = true;
      }
      const at = mailqTime(message[4]!, nowMs);
      if (at !== null && at < oldest) oldest = at;
      return;
    }
    // The reason line of a tried message: "(Deferred: Connection refused by …)" or "(host map: lookup …)".
    if (pending && /^\s+\(/.test(line)) {
      pending = false;
      counts.deferred++;
      counts.incoming--;
    }
  });
  return {
    push: (chunk) => lines.push(chunk),
    result: () => {
      lines.end();
      return { ...counts, oldestAgeSeconds: oldest === Infinity ? 0 : Math.max(0, (nowMs - oldest) / 1000) };
    },
  };
}
