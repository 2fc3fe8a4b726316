/**
 * The load generator: drives a milter through `src/client` the way an MTA would, in open loop (arrivals on a
 * schedule, latency counted from the scheduled time, so overload shows as queueing) or closed loop (N sessions, each
 * sending its next message as soon as the last is answered). Bounded in messages and time; it always stops by
 * itself, closing every session it opened.
 */
import { MilterClient, type MtaStyle } from "../client/milter-client.js";
import type { BenchMessage } from "./messages.js";
import { LatencyRecorder, type LatencySummary } from "./stats.js";
import {
  outcomeOf,
  statusHeaderOf,
  tally,
  timeline,
  type Tally,
  type TimelinePoint,
  type TransactionRecord,
} from "./tally.js";

/** A sample of the daemon's state, taken every second (backlog, RSS…). */
export type Sampler = () => Promise<Record<string, number | null>>;

/** Options of both loop kinds. */
export interface LoadCommon {
  /** What the results are called. */
  label: string;
  /** The milter's listen spec, `inet:127.0.0.1:PORT`. */
  target: string;
  /** @defaultValue "postfix" */
  style?: MtaStyle;
  /** Transactions per milter session before it is closed and a new one opened (Postfix: 1 per SMTP session). @defaultValue 10 */
  messagesPerSession?: number;
  /** Deadline misses are EOM replies later than this + 10 ms. @defaultValue 2000 */
  eomDeadlineMs?: number;
  /** @defaultValue "X-Floodgate-Status" */
  statusHeader?: string;
  /** A reply not received within this long fails the message. @defaultValue 30000 */
  replyTimeoutMs?: number;
  /** After the last arrival, wait this long for messages in flight. @defaultValue 30000 */
  drainMs?: number;
  /** Called once a second with progress (for stderr). */
  onProgress?: (p: Progress) => void;
  /** Called once a second; its figures go into `samples`. */
  sampler?: Sampler;
  /** Called once, `atMs` after the start (a fault injection: stop the scan workers, pause Redis…). */
  events?: Array<{ atMs: number; name: string; run: () => Promise<void> | void }>;
}

/** Open loop: arrivals on a schedule, whatever the answers. */
export interface OpenLoopOptions extends LoadCommon {
  mode: "open";
  /** Arrivals, ascending by `at` (ms from the start). */
  schedule: ReadonlyArray<{ at: number; message: BenchMessage }>;
  /** Sessions open at most at once; arrivals beyond wait (and their latency grows). @defaultValue 200 */
  maxSessions?: number;
}

/** Closed loop: N sessions, each sending as soon as its last message was answered. */
export interface ClosedLoopOptions extends LoadCommon {
  mode: "closed";
  /** Sessions sending at once. */
  concurrency: number;
  /** Messages, used in turn (cycled). */
  messages: readonly BenchMessage[];
  /** Stop after this many messages. */
  maxMessages: number;
  /** Stop starting messages after this long. */
  durationMs: number;
}

/** A run of either kind. */
export type LoadOptions = OpenLoopOptions | ClosedLoopOptions;

/** What the once-a-second progress line shows. */
export interface Progress {
  label: string;
  elapsedMs: number;
  started: number;
  completed: number;
  errors: number;
  inFlight: number;
  /** Completions in the last second. */
  lastSecond: number;
}

/** Everything measured in one run. */
export interface LoadResult {
  label: string;
  mode: "open" | "closed";
  concurrency: number | null;
  /** Offered rate of an open-loop run, messages/s. */
  offeredRate: number | null;
  /** From the first message to the last reply, ms. */
  wallMs: number;
  /** Completed (not errored) messages per second of wall time. */
  messagesPerSecond: number;
  /** Due to the final reply. */
  latency: LatencySummary;
  /** End of message to the final reply. */
  eom: LatencySummary;
  /** Per command, command to response (commands with no reply expected are not counted). */
  commands: Record<string, LatencySummary>;
  tally: Tally;
  timeline: TimelinePoint[];
  /** The sampler's figures, one row a second. */
  samples: Array<{ t: number } & Record<string, number | null>>;
  /** Fault injections, when they ran. */
  events: Array<{ name: string; atMs: number; error?: string }>;
}

interface Slot {
  client: MilterClient;
  used: number;
}

/** Run a load and return its figures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const style = options.style ?? "postfix";
  const perSession = options.messagesPerSession ?? 10;
  const statusHeader = options.statusHeader ?? "X-Floodgate-Status";
  const replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
  const maxSessions = options.mode === "open" ? (options.maxSessions ?? 200) : options.concurrency;
  const recorder = new LatencyRecorder();
  const records: TransactionRecord[] = [];
  const idle: Slot[] = [];
  const waiters: Array<(slot: Slot | null) => void> = [];
  const all = new Set<MilterClient>();
  let open = 0;
  let started = 0;
  let stopping = false;
  const start = performance.now();
  const now = () => performance.now() - start;

  const acquire = async (): Promise<Slot | null> => {
    const slot = idle.pop();
    if (slot) return slot;
    if (open < maxSessions) {
      open++;
      try {
        const client = await MilterClient.connect(options.target, { style, timeoutMs: replyTimeoutMs });
        all.add(client);
        for (const step of await client.open()) if (step.response !== null) recorder.record(step.command, step.ms);
        return { client, used: 0 };
      } catch (err) {
        open--;
        throw err;
      }
    }
    return new Promise((resolve) => waiters.push(resolve));
  };
  const release = (slot: Slot, broken: boolean) => {
    if (broken || slot.used >= perSession || stopping) {
      open--;
      all.delete(slot.client);
      if (broken) slot.client.destroy();
      else void slot.client.quit().catch(() => undefined);
      const w = waiters.shift();
      if (w) void acquire().then(w, () => w(null));
      return;
    }
    const w = waiters.shift();
    if (w) w(slot);
    else idle.push(slot);
  };

  const send = async (message: BenchMessage, scheduledAt: number): Promise<void> => {
    started++;
    let slot: Slot | null = null;
    try {
      slot = await acquire();
      if (!slot) {
        throw new Error(
          stopping
            ? "not sent: no session was free before the run ended (drain timeout)"
            : "no milter session could be opened",
        );
      }
      slot.used++;
      const result = await slot.client.transaction(message.message);
      const finishedAt = now();
      for (const step of result.steps) if (step.response !== null) recorder.record(step.command, step.ms);
      const eomStep = result.steps.find((s) => s.command === "eom");
      recorder.record("transaction", finishedAt - scheduledAt);
      records.push({
        kind: message.kind,
        scheduledAt,
        finishedAt,
        outcome: outcomeOf(result),
        status: result.eom ? statusHeaderOf(result.eom.modifications, statusHeader) : null,
        eomMs: eomStep ? eomStep.ms : null,
      });
      release(slot, false);
    } catch (err) {
      records.push({
        kind: message.kind,
        scheduledAt,
        finishedAt: now(),
        outcome: "error",
        status: null,
        eomMs: null,
        error: (err as Error).message,
      });
      if (slot) release(slot, true);
    }
  };

  // Once a second: progress, the sampler, and nothing else on the hot path.
  const samples: LoadResult["samples"] = [];
  let lastCompleted = 0;
  const ticker = setInterval(() => {
    const completed = records.length;
    options.onProgress?.({
      label: options.label,
      elapsedMs: now(),
      started,
      completed,
      errors: records.filter((r) => r.outcome === "error").length,
      inFlight: started - completed,
      lastSecond: completed - lastCompleted,
    });
    lastCompleted = completed;
    if (options.sampler) {
      const t = now() / 1000;
      options.sampler().then(
        (s) => samples.push({ t, ...s }),
        () => undefined,
      );
    }
  }, 1000);
  const events: LoadResult["events"] = [];
  const eventTimers = (options.events ?? []).map((e) =>
    setTimeout(() => {
      const record: LoadResult["events"][number] = { name: e.name, atMs: Math.round(now()) };
      events.push(record);
      Promise.resolve()
        .then(e.run)
        .catch((err: unknown) => (record.error = (err as Error).message));
    }, e.atMs),
  );

  // Messages sent and not yet answered. Waiting for them uses one callback, not Promise.race over the set: each race
  // attaches a reaction to every pending promise, which piles up to millions under overload (gigabytes, GC thrash).
  let inFlight = 0;
  let whenIdle: (() => void) | null = null;
  const track = (p: Promise<void>) => {
    inFlight++;
    void p.finally(() => {
      if (--inFlight === 0) whenIdle?.();
    });
  };
  const drained = (timeoutMs: number) =>
    inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          whenIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
  try {
    if (options.mode === "open") {
      for (const arrival of options.schedule) {
        const wait = arrival.at - now();
        if (wait > 1) await sleep(wait);
        track(send(arrival.message, arrival.at));
      }
    } else {
      let next = 0;
      const loop = async () => {
        while (next < options.maxMessages && now() < options.durationMs) {
          const message = options.messages[next++ % options.messages.length]!;
          await send(message, now());
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, loop));
    }
    await drained(options.drainMs ?? 30_000);
  } finally {
    stopping = true;
    clearInterval(ticker);
    for (const t of eventTimers) clearTimeout(t);
    for (const w of waiters.splice(0)) w(null);
    for (const slot of idle.splice(0)) void slot.client.quit().catch(() => undefined);
    await sleep(50);
    for (const client of all) client.destroy();
  }

  const wallMs = records.length > 0 ? Math.max(...records.map((r) => r.finishedAt)) : now();
  const done = records.filter((r) => r.outcome !== "error").length;
  const commands = recorder.summaries();
  delete commands.transaction;
  return {
    label: options.label,
    mode: options.mode,
    concurrency: options.mode === "closed" ? options.concurrency : null,
    offeredRate:
      options.mode === "open" && options.schedule.length > 1
        ? (options.schedule.length / Math.max(1, options.schedule[options.schedule.length - 1]!.at)) * 1000
        : null,
    wallMs,
    messagesPerSecond: wallMs > 0 ? (done / wallMs) * 1000 : 0,
    latency: recorder.summary("transaction"),
    eom: recorder.summary("eom"),
    commands,
    tally: tally(records, options.eomDeadlineMs ?? 2000),
    timeline: timeline(records),
    samples,
    events,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A one-line progress report for stderr. */
export function formatProgress(p: Progress): string {
  return `[${p.label}] ${(p.elapsedMs / 1000).toFixed(0)}s sent=${p.started} done=${p.completed} in-flight=${p.inFlight} errors=${p.errors} ${p.lastSecond}/s`;
}
