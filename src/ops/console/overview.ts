/**
 * The Overview page's data: mail flow per minute by outcome (fail modes apart), the scan backlog and its oldest job,
 * the alerts firing and since when, the mail-flow watchdog's state and shadow mode. Each part that fails is left
 * null and named in `errors`; the rest is still served.
 */
import type { FiringAlert } from "../alerts/manager.js";
import type { MailFlowSnapshot } from "../mail-flow.js";
import type { QueueStatus } from "../status.js";
import type { FlowChart, FlowHistory } from "./flow-history.js";
import type { ConsoleDeps } from "./types.js";

/** The watchdog's alerts: the ones that say mail stopped or is being refused. */
const WATCHDOG_ALERTS = /^Floodgate(?:NoConnections|NoMailAccepted|RejectRatioHigh|TempfailRatioHigh|FailModeHigh)$/;

export interface Overview {
  at: number;
  shadow: boolean;
  flow: FlowChart;
  queue: QueueStatus | null;
  alerts: FiringAlert[];
  watchdog: {
    state: "ok" | "alerting";
    firing: string[];
    secondsSinceSession: number;
    secondsSinceAccepted: number;
    window: MailFlowSnapshot["window"];
  };
  holdQueue: boolean;
  errors: Record<string, string>;
}

/** Assemble the page's data (the flow history is sampled on its own timer, feed.ts). */
export async function overview(deps: ConsoleDeps, history: FlowHistory, now: number): Promise<Overview> {
  const errors: Record<string, string> = {};
  let queue: QueueStatus | null = null;
  if (deps.queue) {
    try {
      queue = await deps.queue();
    } catch (err) {
      errors["queue"] = (err as Error).message;
    }
  }
  const alerts = deps.alerts();
  const flow = deps.mailFlow();
  const firing = alerts.filter((a) => WATCHDOG_ALERTS.test(a.alertname)).map((a) => a.alertname);
  return {
    at: now,
    shadow: deps.shadow(),
    flow: history.chart(now),
    queue,
    alerts,
    watchdog: {
      state: firing.length > 0 ? "alerting" : "ok",
      firing,
      secondsSinceSession: flow.secondsSinceSession,
      secondsSinceAccepted: flow.secondsSinceAccepted,
      window: flow.window,
    },
    holdQueue: deps.held !== undefined,
    errors,
  };
}
