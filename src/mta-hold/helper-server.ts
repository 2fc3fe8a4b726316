/**
 * The hold-queue helper: a small privileged service on each MTA host (deploy/systemd/floodgate-hold-helper.service)
 * that releases and deletes the copies Floodgate held, on a unix socket only Floodgate's group may open. It refuses
 * an id that is not a well-formed queue id of its MTA (for Postfix, a long one) or that Floodgate did not record with
 * it at hold time; the records are files in its own directory, so a restart of either side loses none. It does not
 * start while Postfix may reuse queue ids (enable_long_queue_ids must be yes).
 */
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import type { HoldQueue } from "./hold-queue.js";
import {
  isQueueId,
  MAX_REQUEST_BYTES,
  parseRequest,
  type HelperRequest,
  type HelperResponse,
  type IdOutcome,
} from "./protocol.js";

export interface HelperOptions {
  socket: string;
  /** The socket's mode, and its group (Floodgate's) when given. @defaultValue 0o660 */
  socketMode?: number;
  socketGid?: number;
  /** Where the recorded ids are kept (one empty file per id). */
  recordDir: string;
  /** Ids recorded at most; past it `record` is refused and Floodgate tempfails instead of holding. @defaultValue 100000 */
  maxRecorded?: number;
  queue: HoldQueue;
  logger: Logger;
}

export interface HoldHelper {
  close(): Promise<void>;
}

/** The ids Floodgate recorded: one empty file each, so that they outlive a restart. */
class RecordedIds {
  private readonly ids: Set<string>;

  constructor(
    private readonly dir: string,
    private readonly mta: HoldQueue["mta"],
    private readonly max: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.ids = new Set(readdirSync(dir).filter((id) => isQueueId(mta, id)));
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Record well-formed ids; false when that would pass the bound. */
  add(ids: readonly string[]): boolean {
    if (this.ids.size + ids.length > this.max) return false;
    for (const id of ids) {
      writeFileSync(join(this.dir, id), "", { mode: 0o600 });
      this.ids.add(id);
    }
    return true;
  }

  forget(id: string): void {
    this.ids.delete(id);
    rmSync(join(this.dir, id), { force: true });
  }
}

/** Answers requests: ids are checked (well-formed to record, recorded to act on), queue actions run one at a time. */
function requestHandler(queue: HoldQueue, recorded: RecordedIds, logger: Logger) {
  let chain: Promise<unknown> = Promise.resolve();
  /** postsuper locks the queue itself; one action at a time keeps the helper's load flat. */
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };
  return async (request: HelperRequest): Promise<HelperResponse> => {
    if (request.op === "hello") return { ok: true, mta: queue.mta, longQueueIds: true, recorded: recorded.size };
    const outcomes: Record<string, IdOutcome> = {};
    const accepted: string[] = [];
    for (const id of request.ids) {
      const known = request.op === "record" ? isQueueId(queue.mta, id) : recorded.has(id);
      if (known) accepted.push(id);
      else outcomes[id] = "refused";
    }
    if (request.op === "record") return recorded.add(accepted) ? { ok: true, outcomes } : { ok: false, error: "full" };
    if (accepted.length === 0) return { ok: true, outcomes };
    let sample: string | undefined;
    const done = await serial(async () => {
      if (request.op === "release") return queue.release(accepted);
      if (request.sample) sample = (await queue.sample(accepted[0]!))?.toString("base64");
      return queue.delete(accepted);
    });
    for (const [id, outcome] of Object.entries(done)) {
      outcomes[id] = outcome;
      recorded.forget(id);
    }
    logger.info({ op: request.op, outcomes }, "hold queue action");
    return { ok: true, outcomes, ...(sample !== undefined ? { sample } : {}) };
  };
}

/** One connection: a request a line, answered in order; a line past MAX_REQUEST_BYTES closes it. */
function lineServer(handle: (request: HelperRequest) => Promise<HelperResponse>, logger: Logger) {
  return (socket: Socket) => {
    let buffered = "";
    let busy = Promise.resolve();
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES && !buffered.includes("\n")) {
        logger.warn("hold helper: request line too long; connection closed");
        socket.destroy();
        return;
      }
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        busy = busy.then(async () => {
          const response = await Promise.resolve()
            .then(() => handle(parseRequest(line)))
            .catch((error: Error): HelperResponse => ({ ok: false, error: error.message }));
          if (!socket.destroyed) socket.write(JSON.stringify(response) + "\n");
        });
      }
    });
  };
}

/** Start the helper; throws when the MTA may reuse queue ids. */
export async function startHoldHelper(options: HelperOptions): Promise<HoldHelper> {
  const { queue, logger } = options;
  if (!(await queue.longQueueIds()))
    throw new Error("Postfix reuses short queue ids: set enable_long_queue_ids = yes in main.cf (postfix reload)");
  const recorded = new RecordedIds(options.recordDir, queue.mta, options.maxRecorded ?? 100_000);
  rmSync(options.socket, { force: true });
  const server: Server = createServer(lineServer(requestHandler(queue, recorded, logger), logger));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socket, () => resolve());
  });
  chmodSync(options.socket, options.socketMode ?? 0o660);
  if (options.socketGid !== undefined) chownSync(options.socket, process.getuid?.() ?? 0, options.socketGid);
  logger.info({ socket: options.socket, mta: queue.mta, recorded: recorded.size }, "hold helper listening");
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(options.socket, { force: true });
      }),
  };
}
