/**
 * The V8 flags Floodgate's processes run with, in one place: the `floodgate` command's shebang, `make run` and
 * `make bench` (Makefile `NODE_FLAGS`) and the bench's daemon launcher pass exactly these
 * (test/unit/node-flags.test.ts holds them to it).
 *
 * `--single-threaded-gc`: V8's parallel scavenger stops the main thread and splits the young generation among
 * helper threads, then waits for the slowest. Where Floodgate shares a few cores with the MTA and Redis (the
 * supported small setup), a helper is often not running when the scavenge starts, and the main thread (which
 * answers every milter command) waits a scheduler slice or more for it. One thread doing the scavenge shortens the
 * tail of end of message at the same throughput and CPU per message.
 *
 * `--max-semi-space-size=32` (MiB; 16 by default): the young generation fills half as often, so the main thread
 * stops for a scavenge half as often. What survives a scavenge is the state of the sessions in flight, about the
 * same whatever the size, so each stop costs about the same, and the peak RSS does not grow with it.
 *
 * `--no-memory-reducer`: after some seconds of little allocation V8's memory reducer runs full collections that
 * shrink the heap and the young generation back to their smallest. Mail comes in bursts with quiet seconds between
 * them, and each burst after one paid for that again: more scavenges and full collections on the main thread, and
 * code compiled again on V8's threads, nearly twice the CPU per distinct message for the first hundreds of
 * messages after a pause. Without it the heap keeps its working size through a pause, and still shrinks as the
 * collections during mail find less alive.
 *
 * The runs behind these choices: benchmarks/README.md, "Figures behind choices in the code" and "The quiet seconds
 * between bursts".
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  "--single-threaded-gc",
  "--max-semi-space-size=32",
  "--no-memory-reducer",
];
