/**
 * What a Floodgate daemon answered the messages of one run, by kind of status, from its log: each message's line
 * carries the status its header carries (`continue; new`, `tempfail; bulk-hold`, `reject; campaign-blocked;
 * by=operator`, …), so a run's tempfails and rejects can be told apart in a report (a copy of a campaign of the
 * corpus itself held at its bulk threshold is not an error of the path). The log is read from where it stood before
 * the run; its writer buffers lines for a moment, so the reader waits for as many message lines as the run had
 * answers.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** How long the reader waits for the log's buffered lines of a run. */
const FLUSH_WAIT_MS = 3000;

/** The log's size now (0 when it does not exist yet): where the next run's lines start. */
export function logOffset(logPath: string): number {
  try {
    return statSync(logPath).size;
  } catch {
    return 0;
  }
}

/** A figure of a status (`score=12.9`, `threshold=5`), left out of its kind. */
const FIGURE = /^[\w.-]+=-?\d+(?:\.\d+)?$/;

/**
 * A status without its figures: `reject; campaign-spam; scanner=spamd score=12.9 threshold=5` is of the kind
 * `reject; campaign-spam; scanner=spamd`, so a run's answers are a few kinds whatever the scanner's scores.
 */
export function statusKind(status: string): string {
  return status
    .split("; ")
    .map((part) =>
      part
        .split(" ")
        .filter((word) => !FIGURE.test(word))
        .join(" "),
    )
    .filter((part) => part !== "")
    .join("; ");
}

/** The kinds of status (statusKind) of the message lines in `text` (JSON lines; other lines and a line not yet
 * complete left out). */
export function countStatuses(text: string): { statuses: Record<string, number>; messages: number } {
  const statuses: Record<string, number> = {};
  let messages = 0;
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  for (const line of complete.split("\n")) {
    if (!line.includes('"msg":"message"')) continue;
    let status: unknown;
    try {
      status = (JSON.parse(line) as { status?: unknown }).status;
    } catch {
      continue;
    }
    if (typeof status !== "string") continue;
    const kind = statusKind(status);
    statuses[kind] = (statuses[kind] ?? 0) + 1;
    messages++;
  }
  return { statuses, messages };
}

function readFrom(logPath: string, offset: number): string {
  const size = logOffset(logPath);
  if (size <= offset) return "";
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(logPath, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}

/**
 * The statuses of the messages logged since `offset`, once `expected` of them are there or FLUSH_WAIT_MS has
 * passed (then what is there: a report shows the count beside the run's answers).
 */
export async function answersSince(logPath: string, offset: number, expected: number): Promise<Record<string, number>> {
  const deadline = Date.now() + FLUSH_WAIT_MS;
  for (;;) {
    const { statuses, messages } = countStatuses(readFrom(logPath, offset));
    if (messages >= expected || Date.now() >= deadline) return statuses;
    await sleep(50);
  }
}
