/**
 * The configuration schema: every section composed into one, with the rules that span sections, and the defaults.
 * Unknown keys are refused (every object is strict) and every error is reported at once with its path.
 * Each section's options are in its own `*-schema.ts` beside this file; renamed keys are listed in renames.ts.
 */
import { z } from "zod";
import { alertsSchema } from "./alerts-schema.js";
import { campaignsSchema } from "./campaigns-schema.js";
import { consoleSchema } from "./console-schema.js";
import { fingerprintSchema } from "./fingerprint-schema.js";
import { holdSchema } from "./hold-schema.js";
import { metricsSchema } from "./metrics-schema.js";
import { milterSchema } from "./milter-schema.js";
import { mtaQueueSchema } from "./mta-queue-schema.js";
import { policySchema } from "./policy-schema.js";
import { queueSchema, scanWorkerSchema } from "./queue-schema.js";
import { redisSchema } from "./redis-schema.js";
import { reportsSchema } from "./reports-schema.js";
import { verdictsSchema } from "./scanner-schema.js";

export const stateSchema = z
  .object({
    /**
     * The directory that holds every private service's data and every secret (the private Redis, the admin token),
     * each in its own subdirectory of mode 0700. null: `$STATE_DIRECTORY` under systemd, /var/lib/floodgate for root
     * or a service user that owns it, else `$XDG_STATE_HOME/floodgate` (~/.local/state/floodgate). One
     * `floodgate run` per directory. @defaultValue null
     */
    dir: z.string().min(1).nullable().default(null),
  })
  .strict();

export const configSchema = z
  .object({
    state: stateSchema.prefault({}),
    milter: milterSchema.prefault({}),
    redis: redisSchema.prefault({}),
    fingerprint: fingerprintSchema.prefault({}),
    campaigns: campaignsSchema.prefault({}),
    policy: policySchema.prefault({}),
    queue: queueSchema.prefault({}),
    scanWorker: scanWorkerSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    mtaQueue: mtaQueueSchema.prefault({}),
    verdicts: verdictsSchema.prefault({}),
    reports: reportsSchema.prefault({}),
    console: consoleSchema.prefault({}),
    hold: holdSchema.prefault({}),
    /** Log level of the JSON log on standard error; a reload applies it. @defaultValue "info" */
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.policy.holdMode !== "quarantine" || c.mtaQueue.mta !== "none", {
    message: "quarantine needs mtaQueue.mta (postfix or sendmail), so that the hold queue is sampled and alerted on",
    path: ["policy", "holdMode"],
  });

export type Config = z.infer<typeof configSchema>;
export type MilterConfig = Config["milter"];

/** The configuration with every default, as `floodgate run` uses it with no file. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
