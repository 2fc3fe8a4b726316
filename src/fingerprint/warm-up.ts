/**
 * A fingerprint thread warms itself up when it starts: it fingerprints the built-in mail of ./warm-up-mail.ts, one
 * message at a time and only while it has no task, and drops the results. A fresh thread runs its code unoptimised
 * and V8 compiles it while real mail arrives: the first thousands of distinct messages cost two to three times a
 * warm thread's CPU, and as much again on the compiler's threads (benchmarks/README.md, "The fingerprint threads'
 * warm-up"). Warming on made-up mail moves that cost to the time just after start, off the mail's path: the pool
 * and the daemon are ready at once, and a task that arrives waits for at most the one warm-up message in progress.
 */
import { runFingerprintTask, type FingerprintTask } from "./task.js";
import { warmUpMessage } from "./warm-up-mail.js";

/** What a thread knows of its warm-up: messages left, tasks running now, and whether a step is scheduled. */
const state = {
  left: 0,
  next: 0,
  running: 0,
  scheduled: false,
  options: null as Omit<FingerprintTask, "message"> | null,
};

/** Start warming this thread up on `messages` built-in messages with the pool's task options (0: not at all). */
export function startWarmUp(messages: number, options: Omit<FingerprintTask, "message">): void {
  state.left = Math.max(0, Math.floor(messages));
  state.options = options;
  schedule();
}

/** Run a task of the pool with the warm-up paused around it. */
export async function withWarmUpPaused<T>(task: () => Promise<T>): Promise<T> {
  state.running++;
  try {
    return await task();
  } finally {
    state.running--;
    schedule();
  }
}

/** Warm-up messages this thread has still to run. */
export function warmUpLeft(): number {
  return state.left;
}

/** The next warm-up step after what the event loop holds now (a task that arrived goes first). */
function schedule(): void {
  if (state.scheduled || state.left <= 0 || state.running > 0) return;
  state.scheduled = true;
  setImmediate(() => void step());
}

async function step(): Promise<void> {
  state.scheduled = false;
  if (state.left <= 0 || state.running > 0 || state.options === null) return;
  state.left--;
  state.running++;
  try {
    await runFingerprintTask({ ...state.options, message: warmUpMessage(state.next++) });
  } finally {
    state.running--;
    schedule();
  }
}
