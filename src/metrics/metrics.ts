/**
 * Every metric Floodgate exports, named by Prometheus conventions (floodgate_ prefix, base units, counters ending in
 * _total, no label of unbounded cardinality), made together in one registry. The composition root makes one set and
 * hands each module the metrics it counts in (its owner passes them on); tests make their own.
 *
 * size: the one list of every name Floodgate exports, grouped by owner, where an operator and the dashboard's test
 * look them up.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { holdMetrics } from "./hold-metrics.js";

/** What some gauges read when they are scraped, instead of being set at every change. */
export interface MetricSources {
  /** Bytes the message captures of all sessions hold now. */
  captureHeld?: () => number;
  /** Bytes the TypeScript engine's sessions hold in packet buffers beyond their free share. */
  packetHeld?: () => number;
}

/** A fresh registry with every Floodgate metric (and the process's default metrics) in it. */
export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "floodgate_" });
  return {
    registry,
    ...mailMetrics(registry, sources),
    ...sessionMetrics(registry, sources),
    ...fingerprintMetrics(registry),
    ...queueMetrics(registry),
    ...healthMetrics(registry),
    ...alertMetrics(registry),
    hold: holdMetrics(registry),
  };
}

/** Floodgate's metrics: `registry` and each metric by name. */
export type FloodgateMetrics = ReturnType<typeof createMetrics>;

/** Messages at end of message, fail modes, message capture, the Redis round trip, campaigns. */
function mailMetrics(registry: Registry, sources: MetricSources) {
  return {
    /** Messages at end of message, by the verdict sent to the MTA. */
    messagesTotal: new Counter({
      name: "floodgate_messages_total",
      help: "Messages decided at end of message, by verdict sent to the MTA",
      labelNames: ["verdict"] as const,
      registers: [registry],
    }),
    /** Time from end of message to the reply. */
    eomDuration: new Histogram({
      name: "floodgate_eom_duration_seconds",
      help: "Time from end of message to the final reply",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    /** Fail-mode activations, by reason (deadline, error, redis-timeout, redis-down, pool-full, pool-timeout, unparsed,
     * thread-died, pool-large…) and the mode applied (the setting src/vocabulary/fail-reasons.ts names for each). */
    failModeTotal: new Counter({
      name: "floodgate_fail_mode_total",
      help: "Fail-mode activations by reason",
      labelNames: ["reason", "mode"] as const,
      registers: [registry],
    }),
    /** Bytes the message captures of all sessions hold now, against `milter.captureBudgetBytes`. */
    captureBytes: new Gauge({
      name: "floodgate_capture_bytes",
      help: "Bytes held by the message captures of all sessions, against milter.captureBudgetBytes",
      registers: [registry],
      // Read when scraped: captures reserve bytes at every header field, and a set at each cost the main thread.
      collect() {
        if (sources.captureHeld) this.set(sources.captureHeld());
      },
    }),
    /** Messages whose capture stopped short because the budget of all captures was spent. */
    captureBudgetCutsTotal: new Counter({
      name: "floodgate_capture_budget_cuts_total",
      help: "Messages captured short because milter.captureBudgetBytes was spent",
      registers: [registry],
    }),
    redisDuration: new Histogram({
      name: "floodgate_redis_duration_seconds",
      help: "Latency of the Redis round trip on the mail path",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    /** Copies whose campaign Redis refused to count, by reason and whether the campaign was found read-only. */
    redisWriteRefusalsTotal: new Counter({
      name: "floodgate_redis_write_refusals_total",
      help:
        "Messages whose campaign Redis refused to count (reason redis-readonly: a replica; redis-oom: at maxmemory), by " +
        "whether the campaign was then found read-only (looked-up: its verdict or block applied) or not (unknown)",
      labelNames: ["reason", "outcome"] as const,
      registers: [registry],
    }),
    campaignsActive: new Gauge({
      name: "floodgate_campaigns_active",
      help: "Campaigns seen within the counting window",
      registers: [registry],
    }),
    /** Messages at end of message by who judged their campaign (a scanner's name, operator, pin, reporters, none). */
    campaignDecisionsTotal: new Counter({
      name: "floodgate_campaign_decisions_total",
      help: "Messages decided at end of message, by who judged their campaign (a scanner's name, operator, pin, reporters, or none) and its state",
      labelNames: ["by", "state"] as const,
      registers: [registry],
    }),
    /** Campaigns relabelled by a person through this process, by operation and outcome. */
    relabelsTotal: new Counter({
      name: "floodgate_relabels_total",
      help: "Campaigns relabelled by a person through this process (operation and outcome: ok, absent, duplicate, rate-limited, missing)",
      labelNames: ["op", "status"] as const,
      registers: [registry],
    }),
    /** Messages by how their campaign was found. */
    campaignMatchesTotal: new Counter({
      name: "floodgate_campaign_matches_total",
      help:
        "Messages by how their campaign was found: minhash, direct (the exact key: the index named none, or " +
        "the copy repeats the campaign's own), previous (the previous " +
        "fingerprint version's keys: a campaign of before an upgrade) or new",
      labelNames: ["by"] as const,
      registers: [registry],
    }),
    campaignMergesTotal: new Counter({
      name: "floodgate_campaign_merges_total",
      help: "Campaigns merged into another because a copy matched both",
      registers: [registry],
    }),
  };
}

/** Milter sessions. */
function sessionMetrics(registry: Registry, sources: MetricSources) {
  return {
    sessionsActive: new Gauge({
      name: "floodgate_sessions_active",
      help: "Milter sessions open now",
      registers: [registry],
    }),
    sessionsTotal: new Counter({
      name: "floodgate_sessions_total",
      help: "Milter sessions opened",
      registers: [registry],
    }),
    sessionsRefusedTotal: new Counter({
      name: "floodgate_sessions_refused_total",
      help: "Milter connections refused at accept because the session limit was reached",
      registers: [registry],
    }),
    protocolErrorsTotal: new Counter({
      name: "floodgate_protocol_errors_total",
      help: "Protocol errors by kind: sessions closed for one, and each unknown command code (closed after 100)",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    /** Bytes the sessions' packet buffers hold beyond their free share, against `milter.packetBudgetBytes`. */
    // Read when scraped: sessions hold and give back bytes at every read.
    packetBufferBytes: new Gauge({
      name: "floodgate_packet_buffer_bytes",
      help: "Bytes held by the packet buffers of all sessions beyond 128 KiB each, against milter.packetBudgetBytes",
      registers: [registry],
      collect() {
        if (sources.packetHeld) this.set(sources.packetHeld());
      },
    }),
  };
}

/** The fingerprint pool. */
function fingerprintMetrics(registry: Registry) {
  return {
    poolUtilization: new Gauge({
      name: "floodgate_pool_utilization_ratio",
      help: "Fingerprint thread pool utilisation, 0 to 1",
      registers: [registry],
    }),
    poolQueueLength: new Gauge({
      name: "floodgate_pool_queue_length",
      help: "Fingerprint tasks waiting for a thread",
      registers: [registry],
    }),
    /** Mail whose MIME parse stopped at a limit: nesting past 64 levels, over 1,000 parts, a part's header block over
     * its cap, or a parser error (the raw body past that point was read as text); or whose HTML's style cascade spent
     * its work budget (`style`). No mail client builds such a message, so the status header says it too
     * (`parse=<limit>`). Counted by the policy: reports are not mail. */
    parseLimitsTotal: new Counter({
      name: "floodgate_parse_limits_total",
      help: "Messages whose MIME parse stopped at a limit, by limit (depth, parts, header, error, style)",
      labelNames: ["limit"] as const,
      registers: [registry],
    }),
    /** Mail and reports (the ops server's `POST /report`) share the pool: `source` tells them apart, and the pool's
     * saturation (the FloodgatePoolSaturated alert, the readiness check) counts both, since both fill it. */
    fingerprintsTotal: new Counter({
      name: "floodgate_fingerprints_total",
      help: "Fingerprint tasks by outcome (ok, skipped reason) and source (mail, report)",
      labelNames: ["outcome", "source"] as const,
      registers: [registry],
    }),
    /** Time a message spends in the fingerprint pool: waiting for a thread, parsing, and the hand-back. A message the
     * pool refuses at once (pool-full, pool-down, caller already gone) spent none and is only counted in
     * floodgate_fingerprints_total. */
    fingerprintDuration: new Histogram({
      name: "floodgate_fingerprint_duration_seconds",
      help: "Time from handing a message to the fingerprint pool to its outcome, queue wait included, by source",
      labelNames: ["source"] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

/** The heavy-scan queue. */
function queueMetrics(registry: Registry) {
  return {
    scanJobsQueuedTotal: new Counter({
      name: "floodgate_scan_jobs_queued_total",
      help: "Heavy-scan jobs queued",
      registers: [registry],
    }),
    scanJobsShedTotal: new Counter({
      name: "floodgate_scan_jobs_shed_total",
      help: "Heavy-scan jobs not queued, by reason (high-water, timeout, unanswered: too many adds unanswered, error; busy: the scan budget, queue.busyRate)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    scanJobs: new Gauge({
      name: "floodgate_scan_jobs",
      help: "Heavy-scan jobs by BullMQ state",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    oldestJobAge: new Gauge({
      name: "floodgate_scan_oldest_job_age_seconds",
      help: "Age of the oldest waiting heavy-scan job",
      registers: [registry],
    }),
    scanJobsCompletedTotal: new Counter({
      name: "floodgate_scan_jobs_completed_total",
      help: "Heavy-scan jobs completed as seen by this process",
      registers: [registry],
    }),
    /** Heavy-scan jobs finished by any worker process of the queue, by result (completed, failed for good). */
    scanJobsFinishedTotal: new Counter({
      name: "floodgate_scan_jobs_finished_total",
      help: "Heavy-scan jobs finished by the queue's worker processes, by result (completed, failed)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    /** Seconds since the scan queue was last sampled; 0 while sampling works. */
    scanQueueUnobservableSeconds: new Gauge({
      name: "floodgate_scan_queue_unobservable_seconds",
      help: "Seconds since the scan queue was last sampled successfully (0 while sampling works)",
      registers: [registry],
    }),
  };
}

/** What the daemon's health sees: Redis, the MTA's queue, configuration reloads. */
function healthMetrics(registry: Registry) {
  return {
    /** 1 while the fast-path Redis answers its probe, 0 while it does not. */
    redisUp: new Gauge({
      name: "floodgate_redis_up",
      help: "1 while the fast-path Redis answers the daemon's probe, else 0",
      registers: [registry],
    }),
    /** Seconds since the fast-path Redis last answered its probe; 0 while it answers. */
    redisUnreachableSeconds: new Gauge({
      name: "floodgate_redis_unreachable_seconds",
      help: "Seconds since the fast-path Redis last answered the daemon's probe (0 while it answers)",
      registers: [registry],
    }),
    /** Seconds the fast-path Redis has refused writes; 0 while it takes them. */
    redisRefusingWritesSeconds: new Gauge({
      name: "floodgate_redis_refusing_writes_seconds",
      help: "Seconds the fast-path Redis has refused writes (READONLY: a replica; OOM: at maxmemory); 0 while it takes them",
      registers: [registry],
    }),
    redisMemoryUsedBytes: new Gauge({
      name: "floodgate_redis_memory_used_bytes",
      help: "used_memory of the fast-path Redis (the fullest of a Cluster's masters)",
      registers: [registry],
    }),
    redisMemoryMaxBytes: new Gauge({
      name: "floodgate_redis_memory_max_bytes",
      help: "maxmemory of the fast-path Redis; 0 when it has no limit",
      registers: [registry],
    }),
    /** What the store forgot to keep Redis below maxmemory (src/ops/store-shedder.ts): campaigns seen once, the
     * console samples of campaigns seen a few times, generations of the value index. */
    storeShedTotal: new Counter({
      name: "floodgate_store_shed_total",
      help: "Campaigns seen once (campaign), campaigns' console samples (samples) and value-index generations (generation) the store forgot to stay below maxmemory",
      labelNames: ["what"] as const,
      registers: [registry],
    }),
    /** used_memory over maxmemory: the early warning before Redis refuses writes (OOM). */
    redisMemoryUsedRatio: new Gauge({
      name: "floodgate_redis_memory_used_ratio",
      help: "used_memory over maxmemory of the fast-path Redis (past 1 it refuses writes); 0 when it has no limit",
      registers: [registry],
    }),
    /** Messages in the MTA's queue, by queue (deferred, active, hold, incoming). */
    mtaQueueMessages: new Gauge({
      name: "floodgate_mta_queue_messages",
      help: "Messages in the MTA's own queue as last sampled, by queue (deferred, active, hold, incoming)",
      labelNames: ["queue"] as const,
      registers: [registry],
    }),
    /** Age of the oldest message in the MTA's queue. */
    mtaQueueOldestAge: new Gauge({
      name: "floodgate_mta_queue_oldest_message_age_seconds",
      help: "Age of the oldest message in the MTA's own queue as last sampled",
      registers: [registry],
    }),
    /** Seconds since the MTA's queue was last sampled; 0 while sampling works. */
    mtaQueueUnobservableSeconds: new Gauge({
      name: "floodgate_mta_queue_unobservable_seconds",
      help: "Seconds since the MTA's queue was last sampled successfully (0 while sampling works)",
      registers: [registry],
    }),
    configReloadsTotal: new Counter({
      name: "floodgate_config_reloads_total",
      help: "Configuration reloads by result (ok, refused)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    /** 1 when the last configuration reload was applied (or none was tried), 0 when it was refused. */
    configLastReloadSuccessful: new Gauge({
      name: "floodgate_config_last_reload_successful",
      help: "1 when the last configuration reload applied (or none was tried), 0 when it was refused",
      registers: [registry],
    }),
  };
}

/** Alerting and its notifications. */
function alertMetrics(registry: Registry) {
  return {
    alertsFiring: new Gauge({
      name: "floodgate_alerts_firing",
      help: "Built-in alerts firing now, by alert name",
      labelNames: ["alertname"] as const,
      registers: [registry],
    }),
    /** Alert notifications to webhooks, by result (sent, retried, failed, dropped). */
    alertNotificationsTotal: new Counter({
      name: "floodgate_alert_notifications_total",
      help: "Alert webhook deliveries by result (sent, retried, failed, dropped)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    /** Alert evaluations whose sampler failed (the alerts kept their state). */
    alertSampleErrorsTotal: new Counter({
      name: "floodgate_alert_sample_errors_total",
      help: "Alert evaluations skipped because the sampler failed or timed out",
      registers: [registry],
    }),
    /** Alert notifications waiting for their webhook (in memory and in the spool file). */
    alertSpoolNotifications: new Gauge({
      name: "floodgate_alert_spool_notifications",
      help: "Alert notifications not yet delivered to their webhook, over every webhook",
      registers: [registry],
    }),
    /** Age of the oldest alert notification not yet delivered. */
    alertSpoolOldestAge: new Gauge({
      name: "floodgate_alert_spool_oldest_age_seconds",
      help: "Age of the oldest alert notification not yet delivered to its webhook (0 when none waits)",
      registers: [registry],
    }),
  };
}
