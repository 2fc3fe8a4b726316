/**
 * `floodgate fingerprint FILE…`: fingerprint message files through the same thread pool the milter uses and
 * print one JSON line per file: `{file, status, fingerprint}` or `{file, status, reason}`. `--explain FILE` prints
 * what a fingerprint was made of, `--compare A B` why two messages are or are not one campaign
 * (src/fingerprint/explain.ts).
 */
import { readFile } from "node:fs/promises";
import type { Config } from "../config/schema.js";
import { compareMessages, explainMessage, explainOptions } from "../fingerprint/explain.js";
import { HIDDEN_CLOSE, HIDDEN_OPEN } from "../fingerprint/html-text.js";
import { FingerprintPool } from "../fingerprint/pool.js";
import type { Fingerprint } from "../fingerprint/types.js";

/** One output line. `status` is "ok", "skipped" (with the pool's reason) or "error" (the file was not read). */
export type FingerprintLine =
  { file: string; status: "ok"; fingerprint: unknown } | { file: string; status: "skipped" | "error"; reason: string };

/** Fingerprint each file, in order; exit code 0, or 1 when any file could not be read. */
export async function fingerprintCommand(files: string[], config: Config, out: NodeJS.WritableStream): Promise<number> {
  // Files are fingerprinted one by one: no caller waits on a mail path here, so no deadline applies; and a few files
  // are no reason to warm the threads up first.
  const pool = new FingerprintPool({
    ...config.fingerprint,
    taskTimeoutMs: Math.max(config.fingerprint.taskTimeoutMs, 60_000),
    warmUpMessages: 0,
  });
  let exitCode = 0;
  try {
    for (const file of files) {
      let line: FingerprintLine;
      try {
        const message = await readFile(file);
        const outcome = await pool.fingerprint(message);
        line =
          outcome.status === "ok"
            ? { file, status: "ok", fingerprint: printed(outcome.fingerprint) }
            : { file, status: "skipped", reason: outcome.reason };
      } catch (err) {
        exitCode = 1;
        line = { file, status: "error", reason: err instanceof Error ? err.message : String(err) };
      }
      await write(out, JSON.stringify(line) + "\n");
    }
  } finally {
    await pool.close();
  }
  return exitCode;
}

/** A fingerprint as printed: without the values and sample in the store's form, which repeat `minhash`. */
function printed(fingerprint: Fingerprint): Omit<Fingerprint, "minhashPacked" | "sampleText" | "version2Text"> {
  const { minhashPacked: _packed, sampleText: _sample, version2Text: _version2, ...shown } = fingerprint;
  return shown;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Where `--explain` and `--compare` write. */
interface Output {
  write(text: string): unknown;
}

/** Lines of at most `width` characters of a list of words. */
function wrapWords(words: readonly string[], width = 100, indent = "  "): string {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join("\n") || `${indent}(none)`;
}

/** `floodgate fingerprint --explain FILE`: the text a reader sees with what was left out marked, the words, what
 * the exact key is made of, the keys. Returns the exit code. */
export async function explainCommand(file: string, config: Config, out: Output): Promise<number> {
  const e = await explainMessage(await readFile(file), explainOptions(config.fingerprint));
  const fp = e.fingerprint;
  const minhash = fp.minhash;
  out.write(
    [
      `${file}: fingerprint version ${fp.version}`,
      `subject: ${fp.subject}`,
      `the text a reader sees (text a mail client would not show between ${HIDDEN_OPEN} ${HIDDEN_CLOSE}; ` +
        `${fp.hiddenChars} characters, ${(fp.hiddenShare * 100).toFixed(1)} % of the HTML text):`,
      e.markedText
        .trim()
        .split("\n")
        .map((line) => `  | ${line}`)
        .join("\n"),
      `words (${fp.words}; the MinHash is over their 3-word sequences):`,
      wrapWords(e.words),
      `recipient names (from To and Cc, left out of the exact key): ${e.names.join(" ") || "(none)"}`,
      `exact key ${fp.direct}, made of:`,
      `  link domains: ${e.skeleton.links.join(" ") || "(none)"}`,
      `  words${fp.words < config.fingerprint.minWords ? " of the lines that name no recipient" : " without names"}:`,
      wrapWords(e.skeleton.words, 100, "    "),
      `  subject words: ${e.skeleton.subject.join(" ") || "(none)"}`,
      minhash
        ? `MinHash: ${minhash.length} values (the smallest of the text's 3-word sequences): ${minhash.slice(0, 4).join(" ")} …`
        : `MinHash: none (${fp.words} words, fewer than fingerprint.minWords ${config.fingerprint.minWords}): ` +
          "only the exact key matches",
      `link domains (text and HTML links): ${fp.linkDomains.join(" ") || "(none)"}`,
      `attachments: ${fp.attachments.length === 0 ? "(none)" : fp.attachments.join(" ")}`,
      `attachment kinds: ${fp.attachmentKinds.join(" ") || "(none)"}`,
      fp.limit ? `the MIME parse stopped at a limit (${fp.limit}): the raw body joined the text` : "",
    ]
      .filter((line) => line !== "")
      .join("\n") + "\n",
  );
  return 0;
}

/** `floodgate fingerprint --compare A B`: the MinHash values two messages share, the text they come from, and
 * whether the campaign rule makes them one. Returns the exit code: 0 when they are one campaign, 1 when not. */
export async function compareCommand(fileA: string, fileB: string, config: Config, out: Output): Promise<number> {
  const options = explainOptions(config.fingerprint);
  const [a, b] = [
    await explainMessage(await readFile(fileA), options),
    await explainMessage(await readFile(fileB), options),
  ];
  const share = config.campaigns.matchShare;
  const c = compareMessages(a, b, share);
  const size = (e: typeof a) => e.fingerprint.minhash?.length ?? 0;
  const one = c.byMinhash || c.byExactKey;
  const rule =
    c.needed === null
      ? `no MinHash values to compare (a text under fingerprint.minWords ${config.fingerprint.minWords} words has only its exact key)`
      : `MinHash values shared: ${c.shared} (A has ${size(a)}, B ${size(b)}); the rule needs ${c.needed} ` +
        `(campaigns.matchShare ${share} of the smaller, at least 16): ${c.byMinhash ? "met" : "not met"}`;
  out.write(
    [
      `A: ${fileA}: ${a.fingerprint.words} words, exact key ${a.fingerprint.direct}`,
      `B: ${fileB}: ${b.fingerprint.words} words, exact key ${b.fingerprint.direct}`,
      rule,
      `exact keys: ${c.byExactKey ? "equal" : "different"}`,
      c.sharedText.length > 0
        ? `text of A whose values B shares (3-word sequences):\n${wrapWords(c.sharedText.map((t) => `[${t}]`))}`
        : "",
      one
        ? `one campaign (by ${c.byMinhash ? "MinHash" : "the exact key"})`
        : "not one campaign by themselves (the store may still join them through other copies of a campaign)",
    ]
      .filter((line) => line !== "")
      .join("\n") + "\n",
  );
  return one ? 0 : 1;
}
