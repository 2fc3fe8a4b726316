/**
 * The mail-flow watchdog's rules: sessions arrive but nothing is accepted, too many rejects or tempfails, no MTA at
 * all. They read the daemon's own counters (src/ops/mail-flow.ts), so they run whatever Redis does.
 */
import type { Config } from "../../config/schema.js";
import { booleanThresholds, n, thresholdsOf, type AlertRule, type Samples } from "./rule-types.js";

function flowDescription(s: Samples): string {
  const f = s.mailFlow;
  if (!f) return "no mail-flow numbers";
  const w = f.window;
  return (
    `last ${w.seconds} s: ${w.sessions} sessions, ${w.decided} messages (accept ${w.verdicts.accept}, ` +
    `continue ${w.verdicts.continue}, reject ${w.verdicts.reject}, tempfail ${w.verdicts.tempfail}, ` +
    `discard ${w.verdicts.discard}); last session ${n(f.secondsSinceSession)} s ago, ` +
    `last accepted message ${n(f.secondsSinceAccepted)} s ago`
  );
}

/** The enabled mail-flow rules. */
export function mailFlowRules(alerts: Config["alerts"]): (AlertRule | null)[] {
  const repeat = alerts.repeatSeconds;
  const wd = alerts.watchdog;
  return [
    {
      name: "FloodgateNoMailAccepted",
      severity: "critical",
      thresholds: booleanThresholds(repeat),
      value: (s) => {
        const f = s.mailFlow;
        if (!f) return null;
        const silent =
          f.secondsSinceAccepted >= wd.noAcceptedSeconds &&
          f.sessionsSinceAccepted >= wd.noAcceptedMinSessions &&
          f.secondsSinceSession < wd.noAcceptedSeconds;
        return silent ? 1 : 0;
      },
      summary: () => `No message accepted for ${wd.noAcceptedSeconds} s while MTA sessions keep arriving`,
      description: flowDescription,
    },
    wd.rejectRatio.enabled
      ? {
          name: "FloodgateRejectRatioHigh",
          severity: "critical",
          thresholds: thresholdsOf(wd.rejectRatio, repeat),
          value: (s) =>
            s.mailFlow ? (s.mailFlow.window.decided >= wd.ratioMinMessages ? s.mailFlow.window.rejectRatio : 0) : null,
          summary: (v) =>
            `${n((v ?? 0) * 100)}% of messages rejected over ${wd.ratioWindowSeconds} s (alert at ${n(wd.rejectRatio.high * 100)}%)`,
          description: flowDescription,
        }
      : null,
    wd.tempfailRatio.enabled
      ? {
          name: "FloodgateTempfailRatioHigh",
          severity: "critical",
          thresholds: thresholdsOf(wd.tempfailRatio, repeat),
          value: (s) =>
            s.mailFlow
              ? s.mailFlow.window.decided >= wd.ratioMinMessages
                ? s.mailFlow.window.tempfailRatio
                : 0
              : null,
          summary: (v) =>
            `${n((v ?? 0) * 100)}% of messages tempfailed over ${wd.ratioWindowSeconds} s (alert at ${n(wd.tempfailRatio.high * 100)}%)`,
          description: flowDescription,
        }
      : null,
    {
      name: "FloodgateNoConnections",
      severity: "warning",
      thresholds: booleanThresholds(repeat),
      value: (s) => (s.mailFlow ? (s.mailFlow.secondsSinceSession >= wd.noConnectionSeconds ? 1 : 0) : null),
      summary: () => `No MTA has opened a milter session for ${wd.noConnectionSeconds} s`,
      description: flowDescription,
    },
  ];
}
