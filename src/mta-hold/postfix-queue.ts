/**
 * The hold queue of Postfix, as the helper drives it: `postsuper -H` releases (the copy moves to the deferred queue)
 * and `postqueue -i` delivers it at once; `postsuper -d ID hold` deletes only from the hold queue, so an id that left
 * it (released, delivered, deleted by hand) is never touched elsewhere; `postcat -bh -q` reads a sample first.
 * postsuper takes the ids on its standard input (`-`), so a batch is one process.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { HoldQueue } from "./hold-queue.js";
import { MAX_SAMPLE_BYTES, type IdOutcome } from "./protocol.js";

const run = promisify(execFile);

export interface PostfixQueueOptions {
  /** Postfix's configuration directory (`-c`); null: the default instance. */
  configDir: string | null;
  /** Where postsuper, postqueue, postcat and postconf are. @defaultValue "/usr/sbin" */
  commandDir?: string;
  timeoutMs?: number;
}

/** The lines postsuper writes for each id it acted on: `postsuper: ID: released from hold` or `…: removed`. */
function actedOn(stderr: string, what: string): Set<string> {
  const ids = new Set<string>();
  for (const line of stderr.split("\n")) {
    const m = /^postsuper: ([0-9A-Za-z]+): (.+)$/.exec(line);
    if (m && m[2] === what) ids.add(m[1] as string);
  }
  return ids;
}

export function postfixQueue(options: PostfixQueueOptions): HoldQueue {
  const dir = options.commandDir ?? "/usr/sbin";
  const timeout = options.timeoutMs ?? 30_000;
  const conf = options.configDir ? ["-c", options.configDir] : [];

  async function postsuper(args: string[], ids: readonly string[]): Promise<string> {
    const child = run(`${dir}/postsuper`, [...conf, ...args], { timeout, maxBuffer: 4 << 20 });
    child.child.stdin?.end(ids.join("\n") + "\n");
    const { stderr } = await child;
    return stderr;
  }

  return {
    mta: "postfix",

    async longQueueIds() {
      const { stdout } = await run(`${dir}/postconf`, [...conf, "-h", "enable_long_queue_ids"], { timeout });
      return stdout.trim() === "yes";
    },

    async release(ids) {
      const released = actedOn(await postsuper(["-H", "-"], ids), "released from hold");
      const outcomes: Record<string, IdOutcome> = {};
      for (const id of ids) {
        outcomes[id] = released.has(id) ? "released" : "gone";
        // Released copies wait in the deferred queue for the next queue run (queue_run_delay); deliver them now.
        if (released.has(id)) await run(`${dir}/postqueue`, [...conf, "-i", id], { timeout }).catch(() => undefined);
      }
      return outcomes;
    },

    async delete(ids) {
      const removed = actedOn(await postsuper(["-d", "-", "hold"], ids), "removed");
      return Object.fromEntries(ids.map((id) => [id, removed.has(id) ? "deleted" : "gone"] as const));
    },

    async sample(id) {
      try {
        const { stdout } = await run(`${dir}/postcat`, [...conf, "-bh", "-q", id], {
          timeout,
          maxBuffer: 64 << 20,
          encoding: "buffer",
        });
        return stdout.subarray(0, MAX_SAMPLE_BYTES);
      } catch {
        return null;
      }
    },
  };
}
