/**
 * Read what an MTA delivered, from a Maildir (Postfix virtual(8)) or from smtp-sink dump files, and
 * wait for it to arrive. Messages are parsed only as far as the tests need: raw bytes, header fields, body.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** One delivered message. */
export interface DeliveredMessage {
  file: string;
  raw: Buffer;
  /** Header fields in order, unfolded value kept as sent (continuation lines joined with "\n"). */
  headers: { name: string; value: string }[];
  /** The bytes after the blank line that ends the header. */
  body: Buffer;
}

/** Every header value with this name (case-insensitive), trimmed. */
export function headerValues(message: DeliveredMessage, name: string): string[] {
  const lower = name.toLowerCase();
  return message.headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value.trim());
}

/** Split a raw message (CRLF or LF) into header fields and body. */
export function parseMessage(file: string, raw: Buffer): DeliveredMessage {
  let end = raw.indexOf("\r\n\r\n");
  let sep = 4;
  const lf = raw.indexOf("\n\n");
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    sep = 2;
  }
  const headText = (end < 0 ? raw : raw.subarray(0, end)).toString("latin1");
  const body = end < 0 ? Buffer.alloc(0) : raw.subarray(end + sep);
  const headers: { name: string; value: string }[] = [];
  for (const line of headText.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) last.value += `\n${line}`;
    else {
      const colon = line.indexOf(":");
      if (colon > 0) headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1) });
    }
  }
  return { file, raw, headers, body };
}

/** The messages in a Maildir (new/ and cur/), oldest first. A missing Maildir has none. */
export function readMaildir(dir: string): DeliveredMessage[] {
  const files: { path: string; mtime: number }[] = [];
  for (const sub of ["new", "cur"]) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) files.push({ path: join(d, f), mtime: statSync(join(d, f)).mtimeMs });
  }
  files.sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path));
  return files.map((f) => parseMessage(f.path, readFileSync(f.path)));
}

/**
 * The complete messages smtp-sink dumped (`-d DIR/%H%M%S.`), `heldOpen()` giving the files it holds open (from
 * /proc/<pid>/fd). Each dump file holds the envelope lines smtp-sink writes (`X-Client-Addr:`, `X-Helo-Args:`,
 * `X-Mail-Args:`, `X-Rcpt-Args:`…) followed by the message; the envelope is kept as the first header fields.
 *
 * smtp-sink creates a dump (O_EXCL) at MAIL and holds it open until the transaction ends: closed after the final dot
 * (complete), or unlinked and then closed (aborted). So the directory is listed first and the open files are asked
 * for after it: a listed file that is not open then is complete, or gone if it was aborted. In the other order a dump
 * created between the two reads passed as closed while smtp-sink was still writing it: a 10 MB message was found with
 * its header only, then counted as no copy once the next read saw the file open.
 */
export function readSinkDir(dir: string, heldOpen: () => ReadonlySet<string>): DeliveredMessage[] {
  if (!existsSync(dir)) return [];
  const listed = readdirSync(dir).map((f) => join(dir, f));
  const open = heldOpen();
  const files: { path: string; mtime: number; raw: Buffer }[] = [];
  for (const path of listed) {
    if (open.has(path)) continue;
    try {
      const stat = statSync(path);
      if (stat.isFile()) files.push({ path, mtime: stat.mtimeMs, raw: readFileSync(path) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // an aborted transaction's dump
    }
  }
  files.sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path));
  return files.map((f) => parseMessage(f.path, f.raw));
}

/**
 * Poll `read` until `match` finds a message, or fail after `timeoutMs` with what was there and `describe()` (e.g. the
 * MTA's log) in the message.
 */
export async function waitForMessage(
  read: () => DeliveredMessage[],
  match: (m: DeliveredMessage) => boolean,
  options: { timeoutMs?: number; describe?: () => string } = {},
): Promise<DeliveredMessage> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const found = read().find(match);
    if (found) return found;
    if (Date.now() > deadline) {
      const have = read().map((m) => `${m.file}: ${headerValues(m, "subject").join(",")}`);
      throw new Error(
        `no matching message delivered within ${options.timeoutMs ?? 30_000} ms; have: [${have.join("; ")}]\n${options.describe?.() ?? ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Find a message by its Message-ID header (with or without angle brackets). */
export function byMessageId(id: string): (m: DeliveredMessage) => boolean {
  const bare = id.replace(/^<|>$/g, "");
  return (m) => headerValues(m, "message-id").some((v) => v.replace(/^<|>$/g, "") === bare);
}
