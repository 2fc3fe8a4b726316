/**
 * The hold queue's metrics (`policy.holdMode: quarantine`): copies held, copies that could not be held and were
 * tempfailed instead (by reason), what became of held copies (by outcome and why), and the copies held on this host.
 */
import { Counter, Gauge, type Registry } from "prom-client";

export function holdMetrics(registry: Registry) {
  return {
    /** Copies accepted into the MTA's hold queue: the reply told the MTA to quarantine them (the session's observer). */
    heldTotal: new Counter({
      name: "floodgate_held_total",
      help: "Copies of bulk campaigns accepted into the MTA's hold queue",
      registers: [registry],
    }),
    /** Copies to be held that were tempfailed instead: no-queue-id, hold-full, helper-down, redis. */
    holdFallbackTotal: new Counter({
      name: "floodgate_hold_fallback_total",
      help: "Copies to be held in the hold queue that were tempfailed instead, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    /** Held copies acted on: outcome released, deleted, gone or refused; reason ham, pinned, spam, blocked, hold-ended, operator. */
    holdActionsTotal: new Counter({
      name: "floodgate_hold_actions_total",
      help: "Held copies released or deleted, by outcome and reason",
      labelNames: ["outcome", "reason"] as const,
      registers: [registry],
    }),
    /** Copies recorded as held on this MTA host. */
    heldMessages: new Gauge({
      name: "floodgate_held_messages",
      help: "Copies recorded as held in this MTA host's hold queue",
      registers: [registry],
    }),
  };
}

export type HoldMetrics = ReturnType<typeof holdMetrics>;
