/**
 * Sendmail's quarantine, as the helper drives it. A milter's SMFIR_QUARANTINE makes Sendmail (8.13 and later) keep the
 * message in its queue directory with the control file renamed from `qf<id>` to `hf<id>` (the reason in its `q`
 * line); queue runs skip it and `mailq -qQ` lists it. Releasing is a queue run that selects the quarantined jobs
 * (`-qQ`; without it a run sees only the others, and `-Q` finds nothing to unquarantine) of that id (`-qI<id>`) and
 * unquarantines them (`-Q` without a reason: `hf` back to `qf`), then `sendmail -qI<id>` delivers it now. `-qI`
 * matches a substring of the queue id, so an id is released only while no other quarantined job's id contains it
 * (the helper acts only on ids Floodgate recorded); until then, as when Sendmail did not unquarantine it, the id gets
 * no outcome: it stays held and recorded, and the next sweep asks again. Sendmail has no delete command: deleting
 * removes the quarantined control file and its data file. Only a flat queue directory is handled (no qf/df
 * subdirectories).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HoldQueue } from "./hold-queue.js";
import { MAX_SAMPLE_BYTES, type IdOutcome } from "./protocol.js";

const run = promisify(execFile);

export interface SendmailQueueOptions {
  /** The sendmail command with its configuration (`-C file`); arguments are appended. @defaultValue ["/usr/sbin/sendmail"] */
  command?: string[];
  /** Sendmail's QueueDirectory. */
  queueDir: string;
  timeoutMs?: number;
}

export function sendmailQueue(options: SendmailQueueOptions): HoldQueue {
  const [bin, ...prefix] = options.command ?? ["/usr/sbin/sendmail"];
  const timeout = options.timeoutMs ?? 60_000;
  const held = (id: string) => join(options.queueDir, `hf${id}`);
  const quarantinedIds = () =>
    readdirSync(options.queueDir)
      .filter((f) => f.startsWith("hf"))
      .map((f) => f.slice(2));
  const sendmail = (...args: string[]) => run(bin as string, [...prefix, ...args], { timeout });

  return {
    mta: "sendmail",
    longQueueIds: () => Promise.resolve(true),

    async release(ids) {
      const outcomes: Record<string, IdOutcome> = {};
      for (const id of ids) {
        if (!existsSync(held(id))) {
          outcomes[id] = "gone";
          continue;
        }
        if (quarantinedIds().some((other) => other !== id && other.includes(id))) continue;
        await sendmail("-Q", "-qQ", `-qI${id}`);
        if (existsSync(held(id))) continue;
        outcomes[id] = "released";
        await sendmail(`-qI${id}`).catch(() => undefined);
      }
      return outcomes;
    },

    delete(ids) {
      const outcomes: Record<string, IdOutcome> = {};
      for (const id of ids) {
        if (!existsSync(held(id))) {
          outcomes[id] = "gone";
          continue;
        }
        rmSync(held(id), { force: true });
        rmSync(join(options.queueDir, `df${id}`), { force: true });
        outcomes[id] = "deleted";
      }
      return Promise.resolve(outcomes);
    },

    sample(id) {
      const data = join(options.queueDir, `df${id}`);
      if (!existsSync(held(id)) || !existsSync(data)) return Promise.resolve(null);
      return Promise.resolve(readFileSync(data).subarray(0, MAX_SAMPLE_BYTES));
    },
  };
}
