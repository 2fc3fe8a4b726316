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
