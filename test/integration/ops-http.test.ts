// The ops HTTP server against real parts: /metrics parses as Prometheus text, /readyz follows a real Redis going down
// and up, /status feeds `floodgate status` (exit codes), and the shadow switch flips the live configuration, for a
// request with the admin token only, from this server's own origin and Host (not a cross-site POST nor a rebound DNS
// name), over TCP or the ops socket; reports are applied one at a time, a bounded number of them in hand, and
// `floodgate report` exits 75 when no more are taken; a sender that goes away leaves its place.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { request } from "node:http";
import { createRequire } from "node:module";
import { Redis } from "ioredis";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { freePort } from "../../src/util/tcp-port.js";
import { defaultConfig } from "../../src/config/schema.js";
import { LiveConfig } from "../../src/config/live.js";
import { isLoopback, startOpsServer, type OpsServer } from "../../src/ops/http.js";
import { MAX_REPORTS_IN_HAND } from "../../src/ops/report-route.js";
import { pollUntil } from "../support/poll.js";
import { readinessFromChecks } from "../../src/ops/readiness.js";
import { createMetrics } from "../../src/metrics/metrics.js";

const metrics = createMetrics();
import { MailFlow } from "../../src/ops/mail-flow.js";
import { AlertManager } from "../../src/ops/alerts/manager.js";
import { builtInRules, type Samples } from "../../src/ops/alerts/rules.js";
import { statusCommand } from "../../src/cli/status-command.js";
import type { StatusDocument } from "../../src/ops/status.js";
import { sink } from "../support/output.js";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opsRequest, shadowCommand } from "../../src/cli/shadow-command.js";
import { reportCommand } from "../../src/cli/report-command.js";

const TOKEN = "0123456789abcdef-test-admin-token";
const bearer = { authorization: `Bearer ${TOKEN}` };

const require = createRequire(import.meta.url);
type Family = { name: string; type: string; metrics: { value?: string; labels?: Record<string, string> }[] };
const parsePrometheusTextFormat = require("parse-prometheus-text-format") as (text: string) => Family[];

void describe("ops HTTP server", () => {
  let redis: TestRedis;
  let client: Redis;
  let server: OpsServer;
  let base: string;
  let socket: string;
  let poolUp = true;
  let samples: Samples;
  const live = new LiveConfig(defaultConfig(), { path: null, env: {} });
  const flow = new MailFlow({ windowSeconds: 300 });
  let alerts: AlertManager;

  before(async () => {
    redis = await startTestRedis();
    client = new Redis(redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: () => 100,
    });
    client.on("error", () => undefined);
    await once(client, "ready");
    const config = defaultConfig();
    config.metrics.port = 0;
    config.metrics.socket = join(mkdtempSync(join(tmpdir(), "fg-ops-")), "ops.sock");
    config.metrics.allowedHosts = ["mx1.example.net"];
    socket = config.metrics.socket;
    config.alerts.oldestJobAgeSeconds = { enabled: true, high: 300, low: 60, forSeconds: 0, clearForSeconds: 0 };
    config.alerts.backlog = { enabled: true, high: 1000, low: 100, forSeconds: 0, clearForSeconds: 0 };
    samples = { backlog: 12, oldestJobAgeSeconds: 3, arrivalRate: 1.5, completionRate: 1.25, mailFlow: null };
    alerts = new AlertManager({
      rules: builtInRules(config.alerts).filter((r) => r.name.startsWith("FloodgateScan")),
      sampler: async () => samples,
      instance: "ops-test",
    });
    server = await startOpsServer({
      config,
      adminToken: TOKEN,
      registry: metrics.registry,
      live,
      readiness: readinessFromChecks({
        redis: async () => (await client.ping()) === "PONG",
        pool: () => (poolUp ? true : "no threads"),
      }),
      status: {
        queue: () => ({
          backlog: samples.backlog ?? 0,
          counts: { waiting: samples.backlog ?? 0, active: 2 },
          oldestJobAgeSeconds: samples.oldestJobAgeSeconds,
          arrivalRate: samples.arrivalRate,
          completionRate: samples.completionRate,
        }),
        alerts: () => alerts.firing(),
        mailFlow: () => flow.snapshot(),
        campaigns: async () => [{ id: "c-1234", copies: 420, recipients: 380, senders: 12, verdict: null }],
      },
    });
    base = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server?.close();
    client?.disconnect();
    await alerts?.stop();
    await redis?.stop();
  });

  void test("listens on loopback by default", () => {
    assert.equal(server.host, "127.0.0.1");
    assert.ok(server.port > 0);
  });

  void test("/metrics is Prometheus text that parse-prometheus-text-format reads, with Floodgate's series", async () => {
    metrics.messagesTotal.inc({ verdict: "accept" }, 3);
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    const families = parsePrometheusTextFormat(await response.text());
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const name of [
      "floodgate_messages_total",
      "floodgate_sessions_active",
      "floodgate_config_reloads_total",
      "floodgate_alerts_firing",
      "floodgate_process_cpu_seconds_total",
    ]) {
      assert.ok(byName.has(name), `no ${name}`);
    }
    assert.equal(byName.get("floodgate_messages_total")?.type, "COUNTER");
    const accepted = byName.get("floodgate_messages_total")?.metrics.find((m) => m.labels?.["verdict"] === "accept");
    assert.ok(Number(accepted?.value) >= 3);
    assert.equal(byName.get("floodgate_eom_duration_seconds")?.type, "HISTOGRAM");
  });

  void test("/healthz answers 200 while the process lives", async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { alive: true });
  });

  void test("/readyz is 200 with Redis up, 503 naming the failing check when Redis or the pool is down, 200 again after", async () => {
    let response = await fetch(`${base}/readyz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ready: true, checks: { redis: true, pool: true } });

    await redis.pause();
    response = await fetch(`${base}/readyz`);
    assert.equal(response.status, 503);
    const down = (await response.json()) as { ready: boolean; checks: Record<string, unknown> };
    assert.equal(down.ready, false);
    assert.equal(down.checks["pool"], true);
    assert.equal(typeof down.checks["redis"], "string", JSON.stringify(down.checks));

    await redis.resume();
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = (await fetch(`${base}/readyz`)).status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, "/readyz did not come back after Redis restarted");

    poolUp = false;
    response = await fetch(`${base}/readyz`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { ready: false, checks: { redis: true, pool: "no threads" } });
    poolUp = true;
  });

  void test("/status carries queue, rates, mail flow, alerts and campaigns; `floodgate status` exits 0 when all is well", async () => {
    flow.sessionOpened();
    flow.messageDecided("accept");
    await alerts.evaluate();
    const doc = (await (await fetch(`${base}/status`)).json()) as StatusDocument;
    assert.equal(doc.service, "floodgate");
    assert.equal(doc.shadow, false);
    assert.equal(doc.queue?.backlog, 12);
    assert.equal(doc.mailFlow?.window.verdicts.accept, 1);
    assert.deepEqual(doc.alerts, []);
    assert.equal(doc.campaigns[0]?.id, "c-1234");
    assert.deepEqual(doc.errors, {});

    const out = sink();
    assert.equal(await statusCommand({ url: base, json: false }, out), 0);
    const first = out.text.split("\n")[0];
    assert.equal(
      first,
      "FLOODGATE OK - backlog 12, oldest job 3 s, 0 alerts firing | backlog=12 oldest_job_age=3s arrival_rate=1.5 completion_rate=1.25 alerts=0",
    );
    assert.match(out.text, /^top campaigns:\n {2}c-1234: 420 copies, 380 recipients, 12 senders$/m);
    assert.match(out.text, /^rates: arrivals 1\.50\/s, completions 1\.25\/s$/m);
  });

  void test("`floodgate status` exits 1 on a warning alert, 2 on a critical one, and --json prints the document", async () => {
    samples = { ...samples, backlog: 5000 };
    await alerts.evaluate();
    let out = sink();
    assert.equal(await statusCommand({ url: `${base}/status`, json: false }, out), 1);
    assert.match(out.text, /^FLOODGATE WARNING - backlog 5000/);
    assert.match(out.text, /^ {2}WARNING FloodgateScanBacklogHigh since .*: Heavy-scan backlog is 5000 jobs/m);

    samples = { ...samples, oldestJobAgeSeconds: 900 };
    await alerts.evaluate();
    out = sink();
    assert.equal(await statusCommand({ url: base, json: true }, out), 2);
    const doc = JSON.parse(out.text) as StatusDocument;
    assert.deepEqual(
      doc.alerts.map((a) => [a.alertname, a.severity]),
      [
        ["FloodgateScanJobTooOld", "critical"],
        ["FloodgateScanBacklogHigh", "warning"],
      ],
    );
    samples = { ...samples, backlog: 12, oldestJobAgeSeconds: 3 };
    await alerts.evaluate();
    assert.equal(await statusCommand({ url: base, json: false }, sink()), 0);
  });

  void test("`floodgate status` exits 3 when nothing answers, or when the answer is not a Floodgate status", async () => {
    const port = await freePort();
    const out = sink();
    assert.equal(await statusCommand({ url: `http://127.0.0.1:${port}`, json: false }, out), 3);
    assert.match(out.text, /^FLOODGATE UNKNOWN - cannot read http:\/\/127\.0\.0\.1:\d+\/status: ECONNREFUSED/);
    assert.equal(await statusCommand({ url: `${base}/healthz`, json: false }, sink()), 3);
  });

  void test("POST /shadow?on=1 switches shadow mode in the live configuration; /status shows it", async () => {
    assert.equal((await fetch(`${base}/shadow?on=1`)).status, 200, "GET reads the state");
    let response = await fetch(`${base}/shadow?on=1`, { method: "POST", headers: bearer });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { shadow: true });
    assert.equal(live.current().policy.shadow, true);
    assert.equal(((await (await fetch(`${base}/status`)).json()) as StatusDocument).shadow, true);
    response = await fetch(`${base}/shadow?on=0`, { method: "POST", headers: bearer });
    assert.deepEqual(await response.json(), { shadow: false });
    assert.equal(live.current().policy.shadow, false);
    assert.equal((await fetch(`${base}/shadow?on=perhaps`, { method: "POST", headers: bearer })).status, 400);
    assert.equal((await fetch(`${base}/shadow`, { method: "DELETE", headers: bearer })).status, 405);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });

  void test("POST /shadow without the admin token, or with a wrong one, is refused and changes nothing", async () => {
    const post = (headers: Record<string, string>) => opsRequest({ url: base }, "POST", "/shadow?on=1", headers);
    let answer = await post({});
    assert.equal(answer.status, 401);
    assert.match(JSON.stringify(answer.body), /admin token is required/);
    answer = await post({ authorization: "Bearer wrong-token-of-some-length" });
    assert.equal(answer.status, 401);
    assert.equal(live.current().policy.shadow, false);
    assert.equal((await opsRequest({ url: base }, "DELETE", "/nope", {})).status, 401, "any path: the guard first");
  });

  void test("a cross-site POST (a browser's Origin or Sec-Fetch-Site) is refused even with the token", async () => {
    const host = `127.0.0.1:${server.port}`;
    for (const extra of <Array<Record<string, string>>>[
      { origin: "https://evil.example.com" },
      { origin: "null" },
      { origin: `http://127.0.0.1:${server.port + 1}` },
      { "sec-fetch-site": "cross-site" },
    ]) {
      const answer = await opsRequest({ url: base }, "POST", "/shadow?on=1", { ...bearer, host, ...extra });
      assert.equal(answer.status, 403, JSON.stringify(extra));
    }
    assert.equal(live.current().policy.shadow, false);
    const same = await opsRequest({ url: base }, "POST", "/shadow?on=0", {
      ...bearer,
      host,
      origin: `http://${host}`,
      "sec-fetch-site": "same-origin",
    });
    assert.equal(same.status, 200, "this server's own origin is fine");
  });

  void test("a rebound DNS name in Host is refused; IP literals, localhost and metrics.allowedHosts are not", async () => {
    const post = (host: string) => opsRequest({ url: base }, "POST", "/shadow?on=0", { ...bearer, host });
    assert.equal((await post(`attacker.example.com:${server.port}`)).status, 403);
    for (const host of [`127.0.0.1:${server.port}`, "[::1]:9464", "localhost", `mx1.example.net:${server.port}`]) {
      assert.equal((await post(host)).status, 200, host);
    }
  });

  void test("the ops socket (mode 0600) serves the same endpoints; `floodgate shadow` switches over it with the token", async () => {
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal((await opsRequest({ socket }, "GET", "/healthz", {})).status, 200);
    assert.equal((await opsRequest({ socket }, "POST", "/shadow?on=1", {})).status, 401);
    let out = sink();
    assert.equal(await shadowCommand({ target: { socket }, switchTo: "on", token: TOKEN }, out), 0);
    assert.equal(out.text, "shadow mode is on\n");
    assert.equal(live.current().policy.shadow, true);
    out = sink();
    assert.equal(
      await shadowCommand({ target: { url: base }, switchTo: "off", token: "not-the-token-at-all" }, out),
      1,
    );
    assert.match(out.text, /answered 401: wrong admin token/);
    assert.equal(await shadowCommand({ target: { url: base }, switchTo: "off", token: TOKEN }, sink()), 0);
    assert.equal(live.current().policy.shadow, false);
  });

  void test("without an admin token configured, no state-changing request is served", async () => {
    const config = defaultConfig();
    config.metrics.port = 0;
    const bare = await startOpsServer({
      config,
      registry: metrics.registry,
      live,
      readiness: async () => ({ ready: true, checks: {} }),
    });
    try {
      const answer = await opsRequest({ url: `http://127.0.0.1:${bare.port}` }, "POST", "/shadow?on=1", bearer);
      assert.equal(answer.status, 403);
      assert.equal(live.current().policy.shadow, false);
    } finally {
      await bare.close();
    }
  });

  void test("reports are applied one at a time, and past the reports in hand one is refused with 503", async () => {
    const config = defaultConfig();
    config.metrics.port = 0;
    let running = 0;
    let most = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const reports = await startOpsServer({
      config,
      adminToken: TOKEN,
      registry: metrics.registry,
      readiness: async () => ({ ready: true, checks: {} }),
      // The report's own work is the policy's (tested with it); here only how the endpoint lets reports in.
      report: async (request) => {
        most = Math.max(most, ++running);
        await held;
        running--;
        const reports = { spam: request.label === "spam" ? 1 : 0, ham: 0 };
        return { campaign: "c1", created: false, outcome: "counted", state: null, reports, learn: "off" };
      },
    });
    const url = `http://127.0.0.1:${reports.port}/report?label=spam`;
    const message = "Subject: offer\r\n\r\nbuy now\r\n";
    const send = () => fetch(url, { method: "POST", headers: bearer, body: message });
    try {
      // While the first is applied nothing ends, so of 8 more than the places, 8 are refused at once.
      const answers = Array.from({ length: MAX_REPORTS_IN_HAND + 8 }, () => send());
      const settled: Response[] = [];
      for (const a of answers) void a.then((r) => settled.push(r));
      await pollUntil("8 reports refused", () => settled.length >= 8, 10_000);
      assert.equal(running, 1, "one report applied");
      assert.deepEqual(
        settled.map((r) => r.status),
        Array.from({ length: 8 }, () => 503),
      );
      assert.equal(settled[0]!.headers.get("retry-after"), "1");
      assert.match(await settled[0]!.text(), /reports are in hand/);

      // `floodgate report` says so and exits 75, a temporary failure its caller sends again later.
      const err = sink();
      const code = await reportCommand(
        {
          target: { url: `http://127.0.0.1:${reports.port}` },
          label: "spam",
          files: [],
          undo: false,
          reporter: null,
          token: TOKEN,
          reason: null,
          stdin: async () => Buffer.from(message),
        },
        sink(),
        err,
      );
      assert.equal(code, 75, err.text);
      assert.match(err.text, /busy with other reports/);

      release();
      const statuses = (await Promise.all(answers)).map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, MAX_REPORTS_IN_HAND, statuses.join(" "));
      assert.equal(most, 1, "never two reports at once");

      // A report whose sender is slow with its body holds its own place, not the others' turns.
      const slow = request(url, { method: "POST", headers: { ...bearer, "content-length": String(message.length) } });
      slow.on("error", () => undefined);
      slow.write(message.slice(0, 5));
      const quick = await send();
      assert.equal(quick.status, 200, "a whole report is applied while another's body is still coming");
      slow.destroy();

      // A sender that goes away before its body has come leaves its place: as many as there are places, then a report.
      for (let i = 0; i < MAX_REPORTS_IN_HAND; i++) {
        const gone = request(url, { method: "POST", headers: { ...bearer, "content-length": "100" } });
        gone.on("error", () => undefined);
        gone.write(message.slice(0, 5));
        await new Promise((r) => setTimeout(r, 2));
        gone.destroy();
      }
      await pollUntil(
        "a report applied after the senders that went away",
        async () => (await send()).status === 200,
        10_000,
      );
    } finally {
      await reports.close();
    }
  });

  void test("the admin endpoint's loopback test", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopback(a), a);
    for (const a of ["10.0.0.1", "::ffff:192.168.1.1", "fe80::1", "", undefined]) assert.ok(!isLoopback(a), String(a));
  });
});
