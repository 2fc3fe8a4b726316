/**
 * Name the calling thread (Linux `comm`, at most 15 bytes), so `ps -L`, `top -H` and the benchmark's per-thread CPU
 * tell Floodgate's threads apart: Node names every thread of the process `node`. Best effort: elsewhere it does nothing.
 */
import { readlinkSync, writeFileSync } from "node:fs";

/** The names Floodgate gives its threads (the main thread keeps the process's); `libmilter` is set by the libmilter
 * engine's shim in C (native/shim/api.c) on its libmilter thread, whose threads inherit it. */
export const THREAD_NAMES = { fingerprint: "fg-fingerprint", libmilter: "fg-libmilter" } as const;

/** Set this thread's name; returns its thread id (Linux tid), or null where /proc/thread-self is not available. */
export function nameThisThread(name: string): number | null {
  try {
    writeFileSync("/proc/thread-self/comm", name.slice(0, 15));
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) ? tid : null;
  } catch {
    return null;
  }
}
