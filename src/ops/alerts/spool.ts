/**
 * The spool of one webhook: the notifications it has not delivered yet, in a file of the state directory's
 * `alert-spool`, so an alert raised while its receiver is down is delivered once the receiver returns, even after a
 * restart. The file is rewritten whole, as a private file (mode 0600, atomically, never through a link), whenever the
 * undelivered list changes while the receiver fails, and removed once everything is delivered; it is bounded by the
 * notifier's own bound. A line that does not parse is skipped, so an edited file never stops the daemon.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { readPrivateFile, writePrivateFile } from "../../state/secret-file.js";
import type { AlertNotification } from "./notification.js";

/** A notification waiting for delivery, and when it was handed to the notifier (ms since the epoch). */
export interface Queued {
  queuedAt: number;
  notification: AlertNotification;
}

/** The spool file of a webhook: named by a hash of its URL (which may hold a token, so never the URL itself). */
export function spoolFileFor(directory: string, url: string): string {
  return join(directory, `alert-spool-${createHash("sha256").update(url).digest("hex").slice(0, 16)}.jsonl`);
}

/** Reads and writes one spool file. */
export class SpoolFile {
  constructor(readonly path: string) {}

  /** The notifications the file holds, oldest first; none when it is missing or unreadable. */
  load(): Queued[] {
    let text: string | null;
    try {
      text = readPrivateFile(this.path);
    } catch {
      return [];
    }
    if (text === null) return [];
    const out: Queued[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const entry = JSON.parse(line) as Partial<Queued>;
        const n = entry.notification;
        if (typeof entry.queuedAt === "number" && n && typeof n.alertname === "string" && typeof n.status === "string")
          out.push(entry as Queued);
      } catch {
        // a torn line: skipped
      }
    }
    return out;
  }

  /** Replace the file's content with `entries` (removing it when there are none). Throws when it cannot write. */
  save(entries: readonly Queued[]): void {
    if (entries.length === 0) {
      rmSync(this.path, { force: true });
      return;
    }
    writePrivateFile(this.path, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  }
}
