/**
 * The daemon's milter engine: the one `milter.engine` picks, listening with the policy, its sessions and the message
 * capture budget counted in the metrics, its messages in the mail-flow watchdog, and the event loop's delay measured
 * for the end-of-message deadline (src/session/loop-lag.ts).
 */
import type { Config } from "../config/schema.js";
import type { EngineObserver, MilterEngine, MilterServer } from "../engine/engine.js";
import { selectEngine } from "../engine/select-engine.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import type { MailFlow } from "../ops/mail-flow.js";
import { captureBudget } from "../session/capture-budget.js";
import { eventLoopLag } from "../session/loop-lag.js";
import type { Logger } from "../util/logger.js";
import type { MilterPolicy } from "../vocabulary/policy-api.js";
import type { StopStack } from "./stops.js";

/** What the engine is started with. */
export interface EngineDeps {
  config: () => Config;
  policy: MilterPolicy;
  logger: Logger;
  metrics: FloodgateMetrics;
  mailFlow: MailFlow;
}

/** Start the engine; it stops first, letting sessions finish for `milter.shutdownGraceSeconds`. */
export async function startEngine(
  deps: EngineDeps,
  stops: StopStack,
): Promise<{ server: MilterServer; name: MilterEngine["name"] }> {
  const { config, logger, metrics } = deps;
  const engine = await selectEngine(config(), logger);
  captureBudget.listen({ cut: () => metrics.captureBudgetCutsTotal.inc() });
  eventLoopLag.start();
  stops.push(() => eventLoopLag.stop());
  const milter = await engine.start({
    listen: config().milter.listen,
    policy: deps.policy,
    settings: () => config().milter,
    logger,
    observer: sessionObserver(deps.metrics, deps.mailFlow),
  });
  stops.push(() => milter.close(config().milter.shutdownGraceSeconds * 1000));
  return { server: milter, name: engine.name };
}

/** Sessions and messages, as the metrics and the mail-flow watchdog count them. */
export function sessionObserver(metrics: FloodgateMetrics, mailFlow: MailFlow): EngineObserver {
  return {
    sessionOpened: () => {
      mailFlow.sessionOpened();
      metrics.sessionsTotal.inc();
      metrics.sessionsActive.inc();
    },
    sessionClosed: () => metrics.sessionsActive.dec(),
    sessionRefused: () => metrics.sessionsRefusedTotal.inc(),
    messageDecided: (verdict, seconds, held) => {
      mailFlow.messageDecided(verdict);
      metrics.messagesTotal.inc({ verdict });
      // Counted with the verdict, so that a reader of both (the console's flow) never sees one without the other.
      if (held) metrics.hold.heldTotal.inc();
      metrics.eomDuration.observe(seconds);
    },
    failMode: (reason, mode) => metrics.failModeTotal.inc({ reason, mode }),
    protocolError: (kind) => metrics.protocolErrorsTotal.inc({ kind }),
  };
}
