/**
 * The V8 flags Floodgate's processes run with, in one place: the `floodgate` command's shebang, `make run` and
 * `make bench` (Makefile `NODE_FLAGS`) and the bench's daemon launcher pass exactly these
 * (test/unit/node-flags.test.ts holds them to it).
 *
 * `--single-threaded-gc`: V8's parallel scavenger stops the main thread and splits the young generation among
 * helper threads, then waits for the slowest. Where Floodgate shares a few cores with the MTA and Redis (the
 * supported small setup), a helper is often not running when the scavenge starts, and the main thread (which
 * answers every milter command) waits a scheduler slice or more for it. In alternating 15 s runs at about
 * 1,050 msg/s on 2 shared cores, end-of-message p99 was 27.3 against 47.9 ms and 40.8 against 52.4 ms (medians
 * of four, single-threaded first), at the same throughput and CPU per message.
 *
 * `--max-semi-space-size=32` (MiB; 16 by default): the young generation fills half as often, so the main thread
 * stops for a scavenge half as often. What survives a scavenge is the state of the sessions in flight, about the
 * same whatever the size, so each stop costs about the same: p99 17.8 against 21.8 ms (medians of five 15 s runs),
 * 30.5 against 40.8 ms in an earlier set, and the daemon's peak RSS unchanged (406 against 419 MB over three passes
 * of the corpus at 100 sessions). 64 MiB was no better.
 *
 * The runs behind these figures are described in README.md (Benchmarks).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ["--single-threaded-gc", "--max-semi-space-size=32"];
