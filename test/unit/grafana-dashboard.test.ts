// deploy/grafana-dashboard.json: every query names only metrics Floodgate exports (a renamed metric breaks this test,
// not the operator's dashboard), every panel has a query, and the dashboard's variables are the ones its queries use.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMetrics } from "../../src/metrics/metrics.js";
import { projectRoot } from "../../src/util/paths.js";
import { dashboardQueries, metricNamesIn } from "../support/grafana.js";

const dashboard = JSON.parse(readFileSync(join(projectRoot, "deploy/grafana-dashboard.json"), "utf8")) as unknown;

/** Every series name the registry exports: histograms add _bucket, _sum and _count. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

void describe("deploy/grafana-dashboard.json", () => {
  void test("every query names exported metrics only, and at least one", async () => {
    const exported = await exportedSeries();
    const queries = dashboardQueries(dashboard);
    assert.ok(queries.length >= 20, `only ${queries.length} queries`);
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      assert.ok(names.length > 0, `panel "${q.panel}" queries no metric: ${q.expr}`);
      for (const name of names)
        assert.ok(exported.has(name), `panel "${q.panel}" names ${name}, which is not exported`);
    }
  });

  void test("the metrics an operator watches in a flood are on it", () => {
    const named = new Set(dashboardQueries(dashboard).flatMap((q) => metricNamesIn(q.expr)));
    for (const name of [
      "floodgate_messages_total",
      "floodgate_fail_mode_total",
      "floodgate_scan_jobs",
      "floodgate_scan_oldest_job_age_seconds",
      "floodgate_alerts_firing",
      "floodgate_redis_up",
      "floodgate_redis_memory_used_ratio",
      "floodgate_store_shed_total",
      "floodgate_mta_queue_messages",
    ])
      assert.ok(named.has(name), `${name} is on no panel`);
  });

  void test("the name check itself sees through PromQL: functions, labels, groupings and strings are not metrics", () => {
    assert.deepEqual(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, instance) (rate(floodgate_eom_duration_seconds_bucket{instance=~"$instance",verdict!="x"}[$__rate_interval]))) or vector(0)',
      ),
      ["floodgate_eom_duration_seconds_bucket"],
    );
    assert.deepEqual(metricNamesIn("sum(rate(not_ours_total[5m])) * 60 + floodgate_redis_up"), [
      "not_ours_total",
      "floodgate_redis_up",
    ]);
  });

  void test("every variable a query uses is defined, and the data source is a variable (importable anywhere)", () => {
    const d = dashboard as { templating: { list: { name: string }[] } };
    const defined = new Set(["__rate_interval", "__interval", ...d.templating.list.map((v) => v.name)]);
    for (const q of dashboardQueries(dashboard))
      for (const m of q.expr.matchAll(/\$(\w+)/g)) assert.ok(defined.has(m[1]!), `$${m[1]} is not defined`);
    assert.ok(defined.has("datasource"));
  });
});
