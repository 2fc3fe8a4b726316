/**
 * The life of a benchmark's milter process (./noop-daemon.ts, ./fingerprint-only-daemon.ts): once its engine listens
 * it prints `listening <spec>` on stdout (what ./procs.ts's spawnListening waits for), and it stops, closing the engine
 * and then what else it runs, on SIGTERM or SIGINT, or when its parent goes away (stdin closes).
 */
import type { MilterServer } from "../engine/engine.js";

/** Announce `server` and stop it (then `alsoStop`, if given) when told to or orphaned; the process then exits. */
export function serveUntilStopped(server: MilterServer, alsoStop?: () => Promise<void>): void {
  process.stdout.write(`listening ${server.addresses[0]}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server
      .close(1000)
      .then(() => alsoStop?.())
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}
