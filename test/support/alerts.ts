/**
 * Test support: what a running daemon says about itself (`/readyz`, `floodgate status`) and what its webhook
 * received, for the alerting scenarios.
 */
import { runCli } from "./daemon.js";

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
