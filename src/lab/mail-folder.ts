/**
 * Messages from the operator's own mail, for `floodgate bench`: a folder of message files (one RFC 5322 message per
 * file, as a maildir's `cur/` or a corpus folder holds them) or an mbox file (messages after `From ` separator lines,
 * `>From ` unquoted as mboxrd writes it).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { stripEnvelopeLine } from "./corpus.js";

/** One message read from a folder or an mbox: where it came from and its raw bytes. */
export interface SourcedMessage {
  /** The file name, or `mbox-file#n`. */
  file: string;
  bytes: Buffer;
}

/** The messages of a folder (files in name order, sub-folders and dot files left out) or of an mbox file. */
export function readMessages(path: string, limit = Infinity): SourcedMessage[] {
  if (!statSync(path).isDirectory()) return splitMbox(readFileSync(path), path).slice(0, limit);
  const out: SourcedMessage[] = [];
  for (const name of readdirSync(path).sort()) {
    if (out.length >= limit) break;
    const file = join(path, name);
    if (name.startsWith(".") || !statSync(file).isFile()) continue;
    out.push({ file, bytes: stripEnvelopeLine(readFileSync(file)) });
  }
  return out;
}

const FROM_LINE = Buffer.from("From ");

/** Split an mbox at each `From ` line that starts the file or follows an empty line; `>From ` lines lose one `>`. */
export function splitMbox(mbox: Buffer, name = "mbox"): SourcedMessage[] {
  const starts: number[] = [];
  for (let at = 0; at < mbox.length;) {
    const eol = mbox.indexOf(0x0a, at);
    const next = eol < 0 ? mbox.length : eol + 1;
    const afterBlank = at === 0 || mbox[at - 2] === 0x0a || (mbox[at - 2] === 0x0d && mbox[at - 3] === 0x0a);
    if (afterBlank && mbox.subarray(at, at + FROM_LINE.length).equals(FROM_LINE)) starts.push(at);
    at = next;
  }
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? mbox.length;
    const text = stripEnvelopeLine(mbox.subarray(start, end)).toString("latin1");
    return { file: `${name}#${i + 1}`, bytes: Buffer.from(text.replace(/^>(>*From )/gm, "$1"), "latin1") };
  });
}
