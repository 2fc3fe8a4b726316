/**
 * Read a counter of the daemon's metric registry by name, summed by one label: the in-process numbers behind the
 * share rules, read where every owner already counts them (the policy, the engines, the fingerprint pool), so no
 * module needs a second counter for alerting.
 */
import type { Registry } from "prom-client";
import type { CounterValues } from "./counter-window.js";

/** The counter's values summed by `label` (every other label added up); {} when the counter is not registered. */
export async function counterByLabel(registry: Registry, name: string, label: string): Promise<CounterValues> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return {};
  const { values } = await metric.get();
  const out: Record<string, number> = {};
  for (const v of values) {
    const key = String(v.labels[label] ?? "");
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

/** The counter's total over every label set; 0 when the counter is not registered. */
export async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}
