/**
 * A Redis command times out only if its reply has not arrived: the timeout is judged after the event loop has read
 * the sockets, not before.
 *
 * ioredis arms a timer per command (`commandTimeout`) and rejects the command with "Command timed out" when it fires.
 * Node runs due timers before it polls the sockets, so a process that was off the CPU for longer than the timeout (a
 * loaded host's scheduler, a long collection, a long synchronous stretch) found every command in flight timed out on
 * its return, though Redis had answered within the timeout and the reply was waiting in the socket: on the mail path,
 * messages got the fail mode as redis-timeout with Redis up and answering (and FloodgateFailModeHigh blamed Redis).
 * Here the timer's expiry looks once more after the loop's next poll (setImmediate runs right after it): a reply that
 * is there settles the command first; a Redis that has not answered still fails the command at the timeout, one turn
 * of the loop later.
 *
 * One timer per timeout length, not one per command: the commands of one length time out in the order they were
 * sent, so they wait in a queue and one timer, set for the oldest unsettled one, judges them. ioredis's clearTimeout
 * of the marker does nothing, so a settled command is taken out by the next command of its lane, with the settled
 * ones before it (a connection answers in order), or else by the timer: kept until the timer, a command kept its
 * arguments alive for its whole timeout (2.5 s on the console's connection, whose writes carry message samples), long
 * enough to be copied by the young generation's collections and promoted. A timer, its closure and Node's timer-list
 * work per command cost the main thread more than anything else per message in the timers (benchmarks/README.md,
 * issue 19). The timer does not keep the process alive: a command with a timeout is never queued offline
 * (src/redis/connect.ts), so its connection's socket does.
 */
import { Command } from "ioredis";

/** What the timeout uses of a command: ioredis's own timer field (private there), which it clears when it settles. */
interface TimedCommand {
  isSettled: boolean;
  reject: (err: Error) => void;
  _commandTimeoutTimer?: unknown;
}

/** What `_commandTimeoutTimer` holds: the command is in a lane. Not a Timeout, so ioredis's clearTimeout of it does
 * nothing. */
const IN_LANE = Object.freeze({ lane: true });

/** A timer that fires this early (Node counts whole milliseconds of the loop's clock) has still come. */
const EARLY_MS = 1;

/** Drop the judged commands from the front of a lane's arrays once this many have gathered there. */
const COMPACT_AT = 1024;

function rejectIfUnsettled(command: TimedCommand): void {
  if (!command.isSettled) command.reject(new Error("Command timed out"));
}

function judgeLane(lane: TimeoutLane): void {
  lane.judge();
}

/** The commands in flight with one timeout length, oldest first, and the one timer for the oldest. */
class TimeoutLane {
  private readonly commands: (TimedCommand | null)[] = [];
  /** When each command's timeout ends, performance.now() ms. */
  private readonly ends: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ms: number) {}

  add(command: TimedCommand): void {
    while (this.head < this.commands.length && this.commands[this.head]!.isSettled) this.commands[this.head++] = null;
    this.compact();
    this.commands.push(command);
    this.ends.push(performance.now() + this.ms);
    if (this.timer === null) this.arm(this.ms);
  }

  /** Every command whose timeout has ended and that is still unsettled is rejected after the next poll. */
  judge(): void {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.commands.length) {
      const command = this.commands[this.head]!;
      if (!command.isSettled) {
        if (this.ends[this.head]! > now + EARLY_MS) break;
        setImmediate(rejectIfUnsettled, command);
      }
      this.commands[this.head] = null;
      this.head++;
    }
    if (this.compact()) this.arm(this.ends[this.head]! - now);
  }

  /** Drop what was taken out at the front: all of it once nothing is left, else once COMPACT_AT have gathered.
   * Returns whether commands are left. */
  private compact(): boolean {
    if (this.head === this.commands.length) {
      this.commands.length = 0;
      this.ends.length = 0;
      this.head = 0;
      return false;
    }
    if (this.head >= COMPACT_AT) {
      this.commands.splice(0, this.head);
      this.ends.splice(0, this.head);
      this.head = 0;
    }
    return true;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(judgeLane, Math.max(1, ms), this);
    this.timer.unref();
  }
}

const lanes = new Map<number, TimeoutLane>();

let installed = false;

/** Make every ioredis command timeout in this process judge the reply after the loop has read it. Idempotent. */
export function judgeCommandTimeoutsAfterReading(): void {
  if (installed) return;
  installed = true;
  Command.prototype.setTimeout = function (this: Command, ms: number): void {
    const command = this as unknown as TimedCommand;
    if (command._commandTimeoutTimer) return;
    command._commandTimeoutTimer = IN_LANE;
    let lane = lanes.get(ms);
    if (!lane) {
      lane = new TimeoutLane(ms);
      lanes.set(ms, lane);
    }
    lane.add(command);
  };
}
