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
 * of the loop later. No cost while commands answer in time: the same one timer a command, cleared when it settles.
 */
import { Command } from "ioredis";

/** What the timeout uses of a command: ioredis's own timer field (private there), which it clears when it settles. */
interface TimedCommand {
  isSettled: boolean;
  reject: (err: Error) => void;
  _commandTimeoutTimer?: NodeJS.Timeout | undefined;
}

let installed = false;

/** Make every ioredis command timeout in this process judge the reply after the loop has read it. Idempotent. */
export function judgeCommandTimeoutsAfterReading(): void {
  if (installed) return;
  installed = true;
  Command.prototype.setTimeout = function (this: Command, ms: number): void {
    const command = this as unknown as TimedCommand;
    if (command._commandTimeoutTimer) return;
    command._commandTimeoutTimer = setTimeout(() => {
      if (command.isSettled) return;
      setImmediate(() => {
        if (!command.isSettled) command.reject(new Error("Command timed out"));
      });
    }, ms);
  };
}
