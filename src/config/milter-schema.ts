/**
 * The `milter` section: where the milter listens, its sessions' limits and deadlines, the status header.
 */
import { z } from "zod";
import { count, ms } from "./schema-fields.js";

const listenSpec = z
  .string()
  .regex(/^(inet:[^:]+:\d+|inet6:\[[^\]]+\]:\d+|inet6:[0-9a-fA-F:]+:\d+|unix:\/.+|local:\/.+)$/, {
    message: "must be inet:HOST:PORT, inet6:[ADDR]:PORT or unix:/path",
  });

export const milterSchema = z
  .object({
    /** @defaultValue ["inet:127.0.0.1:10030"] */
    listen: z.array(listenSpec).min(1).default(["inet:127.0.0.1:10030"]),
    /** File mode of unix sockets, octal. @defaultValue "0660" */
    socketMode: z
      .string()
      .regex(/^0?[0-7]{3}$/)
      .default("0660"),
    /** Which engine speaks the protocol. @defaultValue "typescript" */
    engine: z.enum(["typescript", "libmilter"]).default("typescript"),
    /** Sessions open at once; more are refused at accept, never those already open. @defaultValue 2000 */
    maxSessions: count(2000, 1),
    /**
     * Close a session idle this long between commands. One that has not finished option negotiation 30 s after its
     * accept (or this long, when shorter) is closed however many bytes it sends. @defaultValue 600000
     */
    idleTimeoutMs: ms(600_000),
    /** TCP keepalive probe delay; 0 turns keepalive off. @defaultValue 60000 */
    keepAliveMs: ms(60_000, 0),
    /** Largest inbound packet accepted; a larger one closes the session. @defaultValue 16 MiB */
    maxPacketBytes: count(16 * 1024 * 1024, 1024 * 1024, 1_073_741_823),
    /** Bytes of each message kept for the policy; the rest is counted, not buffered. @defaultValue 1 MiB */
    messageCaptureBytes: count(1024 * 1024, 1024, 64 * 1024 * 1024),
    /**
     * Bytes the message captures of all sessions hold at most, beyond 16 KiB each: past it a message is captured
     * short (and still fingerprinted from what was kept), counted in floodgate_capture_budget_cuts_total.
     * @defaultValue 256 MiB
     */
    captureBudgetBytes: count(256 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),
    /**
     * Bytes the TypeScript engine's sessions hold at most in packet buffers (packets partly read or not yet handled,
     * macro packets kept), beyond 128 KiB each, more than real MTAs make a session hold: a session that would pass it
     * is closed, counted in floodgate_protocol_errors_total{kind="packet-budget"}. At least `maxPacketBytes`.
     * @defaultValue 256 MiB
     */
    packetBudgetBytes: count(256 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),
    /** Deadline for a policy handler before end of message. @defaultValue 1000 */
    commandDeadlineMs: ms(1000),
    /** Deadline for the end-of-message decision. @defaultValue 2000 */
    eomDeadlineMs: ms(2000),
    /** While end of message runs longer than this, send SMFIR_PROGRESS at this interval. @defaultValue 5000 */
    progressIntervalMs: ms(5000, 100),
    /**
     * What a message gets when the policy misses a stage's deadline or its handler throws (reasons `<stage>-deadline`,
     * `<stage>-error`, `<stage>-safety-timeout`). Formerly `milter.failMode`. @defaultValue "continue"
     */
    deadlineFailMode: z.enum(["continue", "tempfail"]).default("continue"),
    /**
     * Stages that are only observed and get no-reply flags when the MTA offers them (a stage the policy decides at is
     * never promised). Every write the milter saves is a wake-up saved on both sides. DATA stays answered: a milter
     * that answers nothing before end of message leaves Postfix's small writes waiting on a delayed ACK
     * (real-mta-lab.md, "Two TCP traps"). @defaultValue all but "data"
     */
    noReplyStages: z
      .array(z.enum(["connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "unknown"]))
      .default(["connect", "helo", "mail", "rcpt", "header", "eoh", "body", "unknown"]),
    /** The header that says why a fail mode applied, and carries the verdict. @defaultValue "X-Floodgate-Status" */
    statusHeader: z
      .string()
      .max(120)
      .regex(/^[\x21-\x39\x3b-\x7e]+$/)
      .default("X-Floodgate-Status"),
    /**
     * Seconds a graceful shutdown gives the open sessions: new ones are refused at once, a message in flight is
     * answered, and what is still open at the end is closed (the MTA then applies its default for a milter that went
     * away). At least `eomDeadlineMs`, so a message at its end when the stop begins always gets its answer.
     * @defaultValue 30
     */
    shutdownGraceSeconds: z.number().min(0).max(3600).default(30),
  })
  .strict()
  .refine((m) => m.packetBudgetBytes >= m.maxPacketBytes, {
    message: "must be at least maxPacketBytes, or a session sending a packet of that size may be closed",
    path: ["packetBudgetBytes"],
  })
  .refine((m) => m.shutdownGraceSeconds * 1000 >= m.eomDeadlineMs, {
    message: "must be at least eomDeadlineMs, or a message at its end when the stop begins is closed unanswered",
    path: ["shutdownGraceSeconds"],
  });
