/**
 * The load generator: drives a milter through `src/client` the way an MTA would, in open loop (arrivals on a
 * schedule, latency counted from the scheduled time, so overload shows as queueing) or closed loop (N sessions, each
 * sending its next message as soon as the last is answered). Bounded in messages and time; it always stops by
 * itself, closing every session it opened.
 */
import type { MtaStyle } from "../client/milter-client.js";
import { InFlight } from "./in-flight.js";
import type { BenchMessage } from "./messages.js";
import { SessionPool, type Slot } from "./session-pool.js";
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

/** Run a load and return its figures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  const records: TransactionRecord[] = [];
  const pool = new SessionPool({
    target: options.target,
    style: options.style ?? "postfix",
    replyTimeoutMs: options.replyTimeoutMs ?? 30_000,
    maxSessions: options.mode === "open" ? (options.maxSessions ?? 200) : options.concurrency,
    perSession: options.messagesPerSession ?? 10,
    recorder,
  });
  const statusHeader = options.statusHeader ?? "X-Floodgate-Status";
  let started = 0;
  const start = performance.now();
  const now = () => performance.now() - start;

  const send = async (message: BenchMessage, scheduledAt: number): Promise<void> => {
    started++;
    const about = { kind: message.kind, source: message.source, scheduledAt };
    let slot: Slot | null = null;
    try {
      slot = await pool.acquire();
      if (!slot) {
        throw new Error(
          pool.stopping
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
        ...about,
        finishedAt,
        outcome: outcomeOf(result),
        status: result.eom ? statusHeaderOf(result.eom.modifications, statusHeader) : null,
        eomMs: eomStep ? eomStep.ms : null,
      });
      pool.release(slot, false);
    } catch (err) {
      const error = (err as Error).message;
      records.push({
        ...about,
        finishedAt: now(),
        outcome: "error",
        status: null,
        eomMs: null,
        error,
      });
      if (slot) pool.release(slot, true);
    }
  };

  const samples: LoadResult["samples"] = [];
  const ticker = startTicker(options, now, records, () => started, samples);
  const events: LoadResult["events"] = [];
  const eventTimers = scheduleEvents(options.events ?? [], now, events);
  try {
    await drive(options, send, now);
  } finally {
    clearInterval(ticker);
    for (const t of eventTimers) clearTimeout(t);
    await pool.close();
  }
  return resultOf(options, records, recorder, samples, events, now());
}

/** Send the run's messages: on the schedule (open loop), or by `concurrency` senders (closed loop); then drain. */
async function drive(
  options: LoadOptions,
  send: (message: BenchMessage, scheduledAt: number) => Promise<void>,
  now: () => number,
): Promise<void> {
  const inFlight = new InFlight();
  if (options.mode === "open") {
    for (const arrival of options.schedule) {
      const wait = arrival.at - now();
      if (wait > 1) await sleep(wait);
      inFlight.track(send(arrival.message, arrival.at));
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
  await inFlight.drained(options.drainMs ?? 30_000);
}

/** Once a second: progress, the sampler, and nothing else on the hot path. */
function startTicker(
  options: LoadOptions,
  now: () => number,
  records: readonly TransactionRecord[],
  started: () => number,
  samples: LoadResult["samples"],
): NodeJS.Timeout {
  let lastCompleted = 0;
  return setInterval(() => {
    const completed = records.length;
    options.onProgress?.({
      label: options.label,
      elapsedMs: now(),
      started: started(),
      completed,
      errors: records.filter((r) => r.outcome === "error").length,
      inFlight: started() - completed,
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
}

/** The fault injections, each run once at its time and recorded in `events`. */
function scheduleEvents(
  injections: NonNullable<LoadCommon["events"]>,
  now: () => number,
  events: LoadResult["events"],
): NodeJS.Timeout[] {
  return injections.map((e) =>
    setTimeout(() => {
      const record: LoadResult["events"][number] = { name: e.name, atMs: Math.round(now()) };
      events.push(record);
      Promise.resolve()
        .then(e.run)
        .catch((err: unknown) => (record.error = (err as Error).message));
    }, e.atMs),
  );
}

/** The run's figures from its records. */
function resultOf(
  options: LoadOptions,
  records: readonly TransactionRecord[],
  recorder: LatencyRecorder,
  samples: LoadResult["samples"],
  events: LoadResult["events"],
  endedAt: number,
): LoadResult {
  const wallMs = records.length > 0 ? Math.max(...records.map((r) => r.finishedAt)) : endedAt;
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
