/**
 * The `fingerprint` section: the thread pool that fingerprints messages and what it reads of each.
 */
import { z } from "zod";
import { count, ms } from "./schema-fields.js";

export const fingerprintSchema = z
  .object({
    /** Threads in the pool; 0 means one per core but one, the main thread's (at least one): on 2 cores one thread
     * takes the messages that waited in batches, and the daemon used a fifth less CPU per distinct message at 20
     * sessions than with two (benchmarks/README.md, "Fingerprint threads on 2 cores"). @defaultValue 0 */
    threads: count(0, 0, 64),
    /** Messages waiting for a thread before new ones are refused (skipped: pool-full). @defaultValue 256 */
    maxQueue: count(256, 1),
    /** Messages a free thread takes in one task when several waited (1: one per task). @defaultValue 8 */
    batchMax: count(8, 1, 64),
    /** Bytes to parse in one batch at most, KiB: every message of a batch gets its result when the whole batch is
     * done, so a large message runs alone rather than holding small ones behind it. A message larger than this
     * still runs, on its own. @defaultValue 32 */
    batchKiB: count(32, 1, 65536),
    /** A message not fingerprinted by then, waiting included, yields skipped: timeout. @defaultValue 1500 */
    taskTimeoutMs: ms(1500),
    /** Only the first this many KiB of a message are parsed; when they were cut short and mostly not text (less than
     * one character a reader sees per 16 bytes: padding ahead of the text), up to four times as many
     * (src/fingerprint/task.ts). @defaultValue 256 */
    parseKiB: count(256, 1, 65536),
    /** Built-in made-up messages each thread fingerprints when it starts, while it has no task, so that V8 has
     * compiled the fingerprint code before real mail needs it (src/fingerprint/warm-up.ts; 0: none). Read when a
     * thread starts, not on reload. @defaultValue 300 */
    warmUpMessages: count(300, 0, 100_000),
    /** Heap limit of each thread, MiB. @defaultValue 128 */
    threadHeapMb: count(128, 16, 4096),
    /** Fewer words than this: only the exact digest is used. @defaultValue 64 */
    minWords: count(64, 1),
    /** Attachments at least this large get a digest. @defaultValue 1024 */
    attachmentMinBytes: count(1024, 1),
    /** Compute the earlier fingerprint versions' keys too (1 and 2), so that campaigns blocked or given a verdict
     * before an upgrade keep matching until they expire (src/fingerprint/previous-version.ts, version-two.ts): only
     * while the campaign store may hold keys of those versions (src/reputation/versions.ts, asked at start and every
     * five minutes), since they cost about a fifth of a fingerprint and of Redis's CPU for a new campaign. Off: never,
     * whatever the store holds. @defaultValue true */
    previousVersion: z.boolean().default(true),
    /** MIME extractor of the threads: "fast" (mailsplit + a tag stripper, src/fingerprint/extract.ts) or
     * "mailparser" (simpleParser, the slower reference). Fingerprints of the two differ for some HTML mail,
     * so changing it splits campaigns already stored. @defaultValue "fast" */
    parser: z.enum(["fast", "mailparser"]).default("fast"),
  })
  .strict();
