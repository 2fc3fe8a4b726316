/**
 * Test support: what a describe started, stopped after its tests in the reverse order, so that each thing is pushed
 * where it starts and no after() repeats the list.
 */
import { after } from "node:test";

/** What to stop after a describe's tests. */
export type Cleanups = Array<() => Promise<unknown>>;

/** A list of cleanups the describe it is called in runs after its tests, the last pushed first. */
export function cleanupsAfter(): Cleanups {
  const cleanups: Cleanups = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return cleanups;
}

/** Something a test started: a lab, a server, a daemon, a browser. */
type Stoppable = { stop(): Promise<unknown> } | { close(): Promise<unknown> } | undefined | null;

/** Stop each of `things` in order (the ones that never started are skipped): an after() in one line. */
export async function stopInOrder(...things: Stoppable[]): Promise<void> {
  for (const thing of things) {
    if (thing) await ("stop" in thing ? thing.stop() : thing.close());
  }
}
