/**
 * Waiters for campaign verdicts over one shared pub/sub connection: the store publishes `{id, verdict}` JSON on its
 * verdict channel; each waiter resolves with its campaign's verdict, or null at its timeout or abort.
 */
import type { Cluster, Redis } from "ioredis";
import type { ScanVerdict } from "../reputation/types.js";
import type { Logger } from "../util/logger.js";

type Waiter = (verdict: ScanVerdict | null) => void;

/** Parse one verdict message; null when it is not one. */
export function parseVerdictMessage(text: string): { id: string; verdict: ScanVerdict } | null {
  try {
    const value = JSON.parse(text) as { id?: unknown; verdict?: Partial<ScanVerdict> };
    const v = value.verdict;
    if (typeof value.id !== "string" || !v) return null;
    if (v.verdict !== "spam" && v.verdict !== "ham" && v.verdict !== "unsure") return null;
    if (typeof v.score !== "number" || typeof v.scanner !== "string" || typeof v.at !== "number") return null;
    const threshold = typeof v.threshold === "number" ? v.threshold : null;
    const rules = Array.isArray(v.rules) ? v.rules.filter((r): r is string => typeof r === "string") : [];
    return {
      id: value.id,
      verdict: { verdict: v.verdict, score: v.score, scanner: v.scanner, threshold, rules, at: v.at },
    };
  } catch {
    return null;
  }
}

/** Create the waiters; the channel is subscribed on the first wait. */
export function createVerdictWaiters(deps: { subscriber: Redis | Cluster; channel: string; logger: Logger }) {
  const { subscriber, channel, logger } = deps;
  const waiting = new Map<string, Set<Waiter>>();
  let subscribed: Promise<unknown> | null = null;

  const onMessage = (ch: string, text: string) => {
    if (ch !== channel) return;
    const message = parseVerdictMessage(text);
    if (!message) return;
    const set = waiting.get(message.id);
    if (!set) return;
    waiting.delete(message.id);
    for (const resolve of set) resolve(message.verdict);
  };

  const subscribe = () => {
    if (!subscribed) {
      subscriber.on("message", onMessage);
      subscribed = subscriber.subscribe(channel).catch((err: Error) => {
        logger.warn({ err: err.message, channel }, "cannot subscribe to verdicts");
        subscribed = null;
      });
    }
    return subscribed;
  };

  return {
    /** Resolve with the campaign's next verdict, or null after `ms` or when `signal` aborts. */
    wait(campaignId: string, ms: number, signal?: AbortSignal): Promise<ScanVerdict | null> {
      if (ms <= 0 || signal?.aborted) return Promise.resolve(null);
      void subscribe();
      return new Promise<ScanVerdict | null>((resolve) => {
        let set = waiting.get(campaignId);
        if (!set) waiting.set(campaignId, (set = new Set()));
        const waiter: Waiter = (verdict) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          set.delete(waiter);
          if (set.size === 0 && waiting.get(campaignId) === set) waiting.delete(campaignId);
          resolve(verdict);
        };
        const onAbort = () => waiter(null);
        const timer = setTimeout(() => waiter(null), ms);
        signal?.addEventListener("abort", onAbort, { once: true });
        set.add(waiter);
      });
    },
    /** Resolve every waiter with null and stop listening. */
    close(): void {
      for (const set of waiting.values()) for (const resolve of [...set]) resolve(null);
      waiting.clear();
      subscriber.off("message", onMessage);
    },
  };
}
