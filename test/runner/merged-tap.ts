/**
 * The events of test files run side by side (node:test's run(), one file each), as one TAP stream: each file's events
 * go out a top-level test at a time, so that two files' tests never interleave inside one, and the top-level tests are
 * numbered in the order they go out. The counts every run ends with (tests, pass, fail, ...) are added up into one
 * summary at the end, with one plan; each file's own time (its process included) is a diagnostic line after its tests.
 * A skipped or todo test fails the run as a failed one does: a test that did not check its behaviour is a defect, and
 * the summary names each one. It names each failed test too, with the first line of its error: a CI log may keep only
 * the end of the stream.
 */
import { run } from "node:test";
import { inspect } from "node:util";
import type { TestEvent } from "node:test/reporters";

/** The counts each run reports at its end, in the order the TAP summary prints them. */
const COUNTS = ["tests", "suites", "pass", "fail", "cancelled", "skipped", "todo"] as const;
type Count = (typeof COUNTS)[number];
const SUMMARY = new RegExp(`^(${COUNTS.join("|")}|duration_ms) (\\d+(?:\\.\\d+)?)$`);

/** Options of each file's run, as `node --test` takes them: a time limit per file, and exit once its tests ended. */
export interface FileRunOptions {
  /** The limit on one file's run, in ms (node --test's --test-timeout applies to each file's run as a whole). */
  timeoutMs: number;
}

export class MergedTap {
  private readonly out: TestEvent[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private topLevel = 0;
  private readonly counts = new Map<Count, number>(COUNTS.map((c) => [c, 0]));
  private readonly startedAt = Date.now();
  /** Whether a test failed (or was cancelled, skipped or todo, or a file did not load): the exit code. */
  failed = false;
  /** The skipped and todo tests, as `file: name (skipped: reason)`, for the summary. */
  private readonly notRun: string[] = [];
  /** The failed tests, as `file: name: first line of the error`, for the summary. */
  private readonly failures: string[] = [];

  constructor(private readonly options: FileRunOptions) {}

  /** Run one test file in its own process; its events join the stream a top-level test at a time. */
  async runFile(file: string, label: string): Promise<void> {
    const startedAt = Date.now();
    const stream = run({ files: [file], timeout: this.options.timeoutMs, forceExit: true });
    let chunk: TestEvent[] = [];
    for await (const event of stream as AsyncIterable<TestEvent>) {
      if (this.isSummary(event)) continue;
      if (event.type === "test:fail") this.noteFailure(file, event.data);
      if (event.type === "test:pass" || event.type === "test:fail") this.noteNotRun(file, event.data);
      chunk.push(event);
      if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0) {
        event.data.testNumber = ++this.topLevel;
        this.push(chunk);
        chunk = [];
      }
    }
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    chunk.push(diagnostic(`file ${file}: ${seconds} s (${label})`));
    this.push(chunk);
  }

  /** No more files: the plan and the summary end the stream. */
  close(): void {
    const summary = COUNTS.map((c) => diagnostic(`${c} ${this.counts.get(c)}`));
    const notRun = this.notRun.map((t) => diagnostic(`not run, which fails the run: ${t}`));
    const failures = this.failures.map((t) => diagnostic(`failed: ${t}`));
    this.push([
      { type: "test:plan", data: { nesting: 0, count: this.topLevel } },
      ...failures,
      ...notRun,
      ...summary,
      diagnostic(`duration_ms ${Date.now() - this.startedAt}`),
    ] as TestEvent[]);
    this.closed = true;
    this.wake?.();
  }

  /** The merged events, for a reporter (node:test/reporters' tap). */
  async *events(): AsyncGenerator<TestEvent, void> {
    for (;;) {
      while (this.out.length > 0) yield this.out.shift()!;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /**
   * A failed test fails the run; it is listed in the summary, but for a suite or test that failed only because a
   * test inside it did (that one is listed).
   */
  private noteFailure(file: string, data: { name: string; details: { error: unknown } }): void {
    this.failed = true;
    const error = data.details.error as { failureType?: string; cause?: unknown } | undefined;
    if (error?.failureType === "subtestsFailed") return;
    const cause = error?.cause ?? error;
    const message = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : inspect(cause);
    this.failures.push(`${file}: ${data.name}: ${message.split("\n")[0]!.slice(0, 300)}`);
  }

  /** A skipped or todo test fails the run; it is listed in the summary. */
  private noteNotRun(file: string, data: { name: string; skip?: string | boolean; todo?: string | boolean }): void {
    const mark =
      data.skip !== undefined ? ["skipped", data.skip] : data.todo !== undefined ? ["todo", data.todo] : null;
    if (mark === null) return;
    this.failed = true;
    const [what, reason] = mark;
    this.notRun.push(`${file}: ${data.name} (${what}${typeof reason === "string" ? `: ${reason}` : ""})`);
  }

  private push(events: TestEvent[]): void {
    this.out.push(...events);
    this.wake?.();
  }

  /** A run's own plan and end counts (no file: the run's root), added up here instead of passed on. */
  private isSummary(event: TestEvent): boolean {
    if (event.type === "test:plan") return event.data.nesting === 0 && event.data.file === undefined;
    if (event.type !== "test:diagnostic" || event.data.nesting !== 0 || event.data.file !== undefined) return false;
    const m = SUMMARY.exec(event.data.message);
    if (!m) return false;
    const count = m[1] as Count | "duration_ms";
    if (count !== "duration_ms") this.counts.set(count, this.counts.get(count)! + Number(m[2]));
    // Skipped and todo count as failures too, should a file's run count one this stream saw no event of.
    if (["fail", "cancelled", "skipped", "todo"].includes(count) && Number(m[2]) > 0) this.failed = true;
    return true;
  }
}

function diagnostic(message: string): TestEvent {
  return { type: "test:diagnostic", data: { nesting: 0, message } };
}
