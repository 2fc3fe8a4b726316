/**
 * Test support: what a running daemon says about itself (`/readyz`, `floodgate status`) and what its webhook
 * received, for the alerting scenarios.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { CLI, runCli } from "./daemon.js";
import { startTestRedis, type TestRedis } from "./redis.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";
import type { Cleanups } from "./cleanups.js";
import { freePort } from "../../src/util/tcp-port.js";
import { pollUntil } from "./poll.js";
import assert from "node:assert/strict";

/** `floodgate worker` with the daemon's configuration, as an operator would start one; stopped with `cleanups`. */
export function startWorkerCommand(configPath: string, redisUrl: string, cleanups: Cleanups): void {
  const worker = spawn(process.execPath, [CLI, "worker", "--config", configPath, "--redis", redisUrl], {
    stdio: "ignore",
  });
  cleanups.push(async () => {
    if (worker.exitCode === null) {
      worker.kill("SIGTERM");
      await once(worker, "exit");
    }
  });
}

/** A test Redis and a webhook receiver for the daemon's alerts, stopped with `cleanups`. */
export async function startRedisAndReceiver(cleanups: Cleanups): Promise<{ redis: TestRedis; hook: WebhookReceiver }> {
  const redis = await startTestRedis();
  cleanups.push(() => redis.stop());
  const hook = await startWebhookReceiver();
  cleanups.push(() => hook.close());
  return { redis, hook };
}

/** One Alertmanager-shaped notification as the receiver got it. */
export interface Notification {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

/** The notifications for one alert, in the order received. */
export function notificationsFor(bodies: readonly unknown[], alertname: string): Notification[] {
  return (bodies as Notification[]).filter((b) => b.alerts?.some((a) => a.labels["alertname"] === alertname));
}

/** The statuses ("firing", "resolved") of one alert's notifications, in order. */
export function edgesOf(bodies: readonly unknown[], alertname: string): string[] {
  return notificationsFor(bodies, alertname).map((n) => n.status);
}

/** True once the alert was notified with `status`. */
export function received(bodies: readonly unknown[], alertname: string, status: "firing" | "resolved"): boolean {
  return edgesOf(bodies, alertname).includes(status);
}

/** `/readyz`: its HTTP status and its checks. */
export async function readyz(metricsUrl: string): Promise<{ code: number; checks: Record<string, true | string> }> {
  const response = await fetch(`${metricsUrl}/readyz`);
  const body = (await response.json()) as { checks: Record<string, true | string> };
  return { code: response.status, checks: body.checks };
}

/** `/status` as JSON. */
export async function statusDocument(
  metricsUrl: string,
): Promise<Record<string, unknown> & { alerts: { alertname: string }[] }> {
  return (await (await fetch(`${metricsUrl}/status`)).json()) as Record<string, unknown> & {
    alerts: { alertname: string }[];
  };
}

/** `floodgate status` against the daemon: its exit code and output. */
export async function floodgateStatus(metricsUrl: string): Promise<{ code: number | null; stdout: string }> {
  const r = await runCli(["status", "--url", metricsUrl]);
  return { code: r.code, stdout: r.stdout };
}

/** Where one scenario runs: its Redis, its webhook receiver, and the daemon's ports. */
export interface Place {
  redis: TestRedis;
  hook: WebhookReceiver;
  milterPort: number;
  metricsPort: number;
}

/**
 * A place for each of `keys`, every port taken before any scenario starts, for scenarios that run side by side: a
 * Redis stopped for an outage frees its port, which a port taken later by a scenario beside it could otherwise be.
 * Stopped with `cleanups`.
 */
export async function reservePlaces(keys: readonly string[], cleanups: Cleanups): Promise<Map<string, Place>> {
  const places = new Map<string, Place>();
  for (const key of keys) {
    const { redis, hook } = await startRedisAndReceiver(cleanups);
    places.set(key, { redis, hook, milterPort: await freePort(), metricsPort: await freePort() });
  }
  return places;
}

/** FloodgateRedisDown at the webhook within 30 s of `since` (on the defaults: 10 s unanswered, evaluated every 5 s). */
export async function redisDownWithin30s(bodies: readonly unknown[], since: number, what: string): Promise<void> {
  await pollUntil(
    `FloodgateRedisDown at the webhook within 30 s of ${what}`,
    () => received(bodies, "FloodgateRedisDown", "firing"),
    Math.max(1000, since + 30_000 - Date.now()),
  );
  const [firing] = notificationsFor(bodies, "FloodgateRedisDown");
  assert.equal(firing!.alerts[0]!.labels["severity"], "critical");
  assert.match(firing!.alerts[0]!.annotations["summary"]!, /has not answered for \d+ s/);
}

/** Poll `floodgate status` until it exits with `code` (within `timeoutMs`); the last output in the failure message. */
export async function statusExits(metricsUrl: string, code: number, timeoutMs = 60_000): Promise<void> {
  let last = "";
  await pollUntil(
    `floodgate status to exit ${code}`,
    async () => {
      const s = await floodgateStatus(metricsUrl);
      last = s.stdout;
      return s.code === code;
    },
    timeoutMs,
    1000,
  ).catch((error: Error) => assert.fail(`${error.message}\n${last}`));
}
