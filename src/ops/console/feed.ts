/**
 * The console's live feed over server-sent events: while at least one page listens, once a tick (a second) it reads
 * the overview and the top campaigns and sends both to every listener; with none listening nothing is read. At most
 * MAX_LISTENERS pages listen at once. A comment line every tick keeps proxies from closing an idle stream.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { campaignRows } from "./campaign-rows.js";
import { FlowHistory } from "./flow-history.js";
import { overview } from "./overview.js";
import { SparkTracker } from "./spark.js";
import type { ConsoleDeps } from "./types.js";
import { SECURITY_HEADERS } from "./assets.js";

const MAX_LISTENERS = 32;

export class ConsoleFeed {
  readonly #listeners = new Set<ServerResponse>();
  readonly history = new FlowHistory();
  readonly spark = new SparkTracker();
  #timer: NodeJS.Timeout | null = null;
  readonly #flowTimer: NodeJS.Timeout;
  #busy = false;

  constructor(
    private readonly deps: ConsoleDeps,
    private readonly tickMs = 1000,
  ) {
    // The flow history is sampled whether or not a page listens, so its minutes have no gaps.
    this.#flowTimer = setInterval(() => void this.#sampleFlow(), tickMs);
    this.#flowTimer.unref();
    void this.#sampleFlow();
  }

  async #sampleFlow(): Promise<void> {
    try {
      this.history.sample(await this.deps.flowCounts(), Date.now());
    } catch (err) {
      this.deps.logger?.debug({ err: (err as Error).message }, "console flow sample failed");
    }
  }

  /** Hold `res` open as an event stream until the page goes away. */
  listen(req: IncomingMessage, res: ServerResponse): void {
    if (this.#listeners.size >= MAX_LISTENERS) {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("too many console pages listening\n");
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream", connection: "keep-alive" });
    res.write("retry: 2000\n\n");
    this.#listeners.add(res);
    req.on("close", () => {
      this.#listeners.delete(res);
      if (this.#listeners.size === 0) this.#stop();
    });
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#tick(), this.tickMs);
      this.#timer.unref();
    }
    void this.#tick();
  }

  /** One read of everything the pages show, sent to every listener; a tick still running skips the next. */
  async #tick(): Promise<void> {
    if (this.#busy || this.#listeners.size === 0) return;
    this.#busy = true;
    try {
      const now = Date.now();
      const limit = this.deps.config().console.campaigns;
      const [ov, campaigns] = await Promise.all([
        overview(this.deps, this.history, now),
        this.deps.store.top(limit).then(
          (views) => ({ rows: campaignRows(views, this.spark, now), error: null }),
          (err: Error) => ({ rows: [], error: err.message }),
        ),
      ]);
      this.spark.prune(now);
      this.#send("overview", ov);
      this.#send("campaigns", { at: now, limit, ...campaigns });
    } catch (err) {
      this.deps.logger?.warn({ err: (err as Error).message }, "console feed tick failed");
    } finally {
      this.#busy = false;
    }
  }

  #send(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.#listeners) res.write(frame);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** End every stream. */
  close(): void {
    this.#stop();
    clearInterval(this.#flowTimer);
    for (const res of this.#listeners) res.end();
    this.#listeners.clear();
  }
}
