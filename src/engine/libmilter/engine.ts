/**
 * The libmilter engine: Sendmail's libmilter speaks the protocol, through the shim in native/ loaded with
 * koffi, and Floodgate's policy decides, through the same session API as the TypeScript engine. Same options and
 * result as `startMilterServer`, so `floodgate run` picks either by `config.milter.engine` (select-engine.ts).
 *
 * Limits that come from libmilter: one listen socket (`smfi_setconn`), a real port (no port 0), and one engine per
 * process (libmilter keeps global state and runs one `smfi_main` per process; it cannot be started again after it
 * stopped). Settings read once at start: the listen spec, the idle timeout, the session limit, the fail mode applied
 * in C when JavaScript does not answer in time, the progress interval and the status header name; the deadlines,
 * fail mode and capture size JavaScript applies are read at every session, as in the TypeScript engine.
 * `close(graceMs)` refuses new sessions at option negotiation, waits for the open ones, then stops libmilter: Debian's
 * libmilter (a worker pool) abandons whatever is still open when it stops, and its MTA times out on it.
 * libmilter's own signal thread also waits for SIGTERM, SIGINT and SIGHUP; Node's main thread normally takes them
 * (the kernel prefers the thread group leader), and if libmilter ever takes one, it stops and this logs an error.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from "node:fs";
import { connect, Socket } from "node:net";
import { SMFI_CURR_ACTS, SMFI_CURR_PROT, SMFI_PROT_VERSION } from "../../milter/constants.js";
import { negotiate } from "../../milter/negotiate.js";
import type { ListenTarget } from "../../milter/listen-spec.js";
import type { MilterServer, MilterServerOptions } from "../engine.js";
import type { MilterPolicy } from "../../vocabulary/policy-api.js";
import { stageBudgets } from "../../session/deadlines.js";
import type { SessionSettings } from "../../session/session-api.js";
import { failReply, skippedStatus, stageFailReason } from "../../vocabulary/fail-reasons.js";
import type { Stage } from "../../vocabulary/stage.js";
import { libmilterListen } from "./conn-spec.js";
import { EVENT_OF_STAGE, FG_EV_EOM } from "./events.js";
import { ShimEventPump } from "./event-pump.js";
import { loadShim, type Shim, type UpdateArgs } from "./native.js";

/** Macros every event carries for `SessionContext.macro` (libmilter answers only on its own thread). */
const STANDARD_MACROS = [
  "i",
  "j",
  "_",
  "v",
  "{daemon_name}",
  "{daemon_addr}",
  "{daemon_port}",
  "{if_name}",
  "{if_addr}",
  "{client_addr}",
  "{client_name}",
  "{client_port}",
  "{client_ptr}",
  "{client_resolve}",
  "{auth_type}",
  "{auth_authen}",
  "{auth_author}",
  "{cert_issuer}",
  "{cert_subject}",
  "{cipher}",
  "{cipher_bits}",
  "{tls_version}",
  "{verify}",
  "{mail_addr}",
  "{mail_host}",
  "{mail_mailer}",
  "{rcpt_addr}",
  "{rcpt_host}",
  "{rcpt_mailer}",
  "{msg_id}",
];

/** The shim's decide mask: the stages where the policy has a handler (and so an answer is awaited). */
export function decideMask(policy: MilterPolicy): number {
  const has: Record<string, boolean> = {
    connect: "connect" in policy && policy.connect !== undefined,
    helo: "helo" in policy && policy.helo !== undefined,
    mail: "mailFrom" in policy && policy.mailFrom !== undefined,
    rcpt: "rcptTo" in policy && policy.rcptTo !== undefined,
    data: "data" in policy && policy.data !== undefined,
    eoh: "endOfHeaders" in policy && policy.endOfHeaders !== undefined,
  };
  let mask = 0;
  for (const [stage, handler] of Object.entries(has)) {
    const type = EVENT_OF_STAGE[stage as keyof typeof EVENT_OF_STAGE];
    if (handler && type !== undefined) mask |= 1 << type;
  }
  return mask;
}

/** The SMFIM_* macro lists as the shim takes them: one line per stage, "STAGE name name…". */
export function macroLines(macros: MilterPolicy["macros"]): string {
  return Object.entries(macros ?? {})
    .filter(([, names]) => names && names.length > 0)
    .map(([stage, names]) => `${stage} ${names!.join(" ")}`)
    .join("\n");
}

/**
 * What the shim's fail mode in C says for each event type, from the registry of failure reasons: the reason, the
 * tempfail reply and the status header value (type 0: any other event).
 */
export function shimFailLabels(): string {
  const stages: Array<[number, Stage | "other"]> = [
    [0, "other"],
    ...Object.entries(EVENT_OF_STAGE).map(([stage, type]): [number, Stage] => [type, stage as Stage]),
    [FG_EV_EOM, "eom"],
  ];
  return stages
    .map(([type, stage]) => {
      const reason = stage === "other" ? "other-safety-timeout" : stageFailReason(stage, "safety-timeout");
      const reply = failReply(reason);
      return [type, reason, reply.code, reply.xcode ?? "4.7.1", reply.text, skippedStatus([reason])].join("\t");
    })
    .join("\n");
}

/** The settings the C side applies when JavaScript does not answer in time; a reload changes them (fg_update). */
function reloadable(settings: SessionSettings): UpdateArgs {
  const budgets = stageBudgets(settings);
  return {
    cmdSafetyMs: budgets.shimCommandMs,
    eomSafetyMs: budgets.shimEomMs,
    progressMs: settings.progressIntervalMs,
    failTempfail: settings.deadlineFailMode === "tempfail",
    statusHeader: settings.statusHeader,
  };
}

/** Start the libmilter engine. Throws when the shim cannot load or libmilter cannot listen. */
export async function startLibmilterServer(options: MilterServerOptions): Promise<MilterServer> {
  const loaded = await loadShim();
  if (!loaded.ok) throw new Error(`the libmilter engine is not available: ${loaded.reason}`);
  const shim = loaded.shim;
  const { logger } = options;
  const settings = options.settings();
  const { fd, target } = startShim(shim, options, settings);
  const pump = new ShimEventPump(shim, options, settings, reloadable);

  // The shim writes a byte to this pipe when its queue stops being empty; every read drains the whole queue.
  const wake = new Socket({ fd, readable: true, writable: false });
  wake.on("data", () => {
    try {
      pump.drain();
    } catch (error) {
      // A malformed event is our own broken invariant: crash loudly (house style).
      process.nextTick(() => {
        throw error;
      });
    }
  });
  wake.on("error", (err) => logger.error({ err: err.message }, "libmilter wake-up pipe error"));
  const address = listenAddress(target);
  logger.info(
    { listen: [address], engine: "libmilter", libmilter: shim.libmilterVersion, koffi: shim.koffiVersion },
    "milter listening",
  );

  let stopping = false;
  return {
    addresses: [address],
    sessionCount: () => shim.sessions(),
    async close(graceMs = 30_000) {
      const deadline = Date.now() + graceMs;
      if (!stopping) {
        stopping = true;
        pump.markStopping();
        // Refuse new sessions, let the open ones finish, then stop libmilter (which abandons what is still open).
        shim.drain();
        while (shim.sessions() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        shim.stop();
      }
      await awaitStopped(pump.stopped, target, deadline + 6000);
      pump.drain();
      if (target.kind === "unix" && existsSync(target.path) && lstatSync(target.path).isSocket())
        unlinkSync(target.path);
      pump.endAll();
      wake.destroy();
    },
  };
}

/** Negotiate what the policy wants, start libmilter listening through the shim; the shim's wake-up pipe and where. */
function startShim(
  shim: Shim,
  options: MilterServerOptions,
  settings: ReturnType<MilterServerOptions["settings"]>,
): { fd: number; target: ListenTarget } {
  const { policy } = options;
  const { conn, target } = libmilterListen(options.listen);
  // The flags the TypeScript engine would ask for from an MTA that offers everything; the shim keeps what is offered.
  const wanted = negotiate(
    { version: SMFI_PROT_VERSION, actions: SMFI_CURR_ACTS, protocol: SMFI_CURR_PROT },
    { actions: policy.actions, decidesAt: policy.decidesAt, noReplyStages: settings.noReplyStages },
  );
  const policyMacros = Object.values(policy.macros ?? {}).flatMap((names) => names ?? []);
  const fd = shim.start({
    conn,
    backlog: 0,
    timeoutSeconds: Math.max(1, Math.round(settings.idleTimeoutMs / 1000)),
    decideMask: decideMask(policy),
    actions: wanted.actions,
    protocol: wanted.protocol,
    macros: macroLines(policy.macros),
    query: [...new Set([...STANDARD_MACROS, ...policyMacros])].join(" "),
    ...reloadable(settings),
    maxSessions: settings.maxSessions,
    failLabels: shimFailLabels(),
  });
  if (target.kind === "unix") chmodSync(target.path, parseInt(settings.socketMode, 8));
  return { fd, target };
}

/** The listen address as the TypeScript engine reports it. */
function listenAddress(target: ListenTarget): string {
  if (target.kind === "unix") return `unix:${target.path}`;
  return target.host.includes(":") ? `inet6:[${target.host}]:${target.port}` : `inet:${target.host}:${target.port}`;
}

/** Wake libmilter's listener, which checks for a stop only between connections or every 5 s, until it stopped. */
async function awaitStopped(stopped: Promise<void>, target: ListenTarget, until: number): Promise<void> {
  let isStopped = false;
  void stopped.then(() => (isStopped = true));
  while (!isStopped && Date.now() < until) {
    poke(target);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 50))]);
  }
}

/** Connect to the listening socket and hang up at once. */
function poke(target: ListenTarget): void {
  const socket = target.kind === "unix" ? connect(target.path) : connect({ host: target.host, port: target.port });
  socket.on("connect", () => socket.destroy());
  socket.on("error", () => socket.destroy());
}
