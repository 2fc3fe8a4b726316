/**
 * Loads the libmilter shim (native/build/libfloodgate_shim.so, which links libmilter.so.1.0.1) through koffi, an
 * optional dependency: when koffi, the shim or libmilter is missing, `loadShim` says why and Floodgate runs on the
 * TypeScript engine. Every function here returns at once; smfi_main runs on a thread the shim owns.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { errorText } from "../../util/error-text.js";
import { projectRoot } from "../../util/paths.js";

/** Where `make -C native` puts the shim. */
export const SHIM_PATH = join(projectRoot, "native", "build", "libfloodgate_shim.so");

export interface StartArgs {
  conn: string;
  backlog: number;
  timeoutSeconds: number;
  decideMask: number;
  actions: number;
  protocol: number;
  /** One line per SMFIM_* stage: "STAGE name name…". */
  macros: string;
  /** Macro names sent to JavaScript with each event, space separated. */
  query: string;
  cmdSafetyMs: number;
  eomSafetyMs: number;
  progressMs: number;
  failTempfail: boolean;
  statusHeader: string;
  maxSessions: number;
  /** What the fail mode in C says, one line per event type: "TYPE\tREASON\tRCODE\tXCODE\tTEXT\tSTATUS". */
  failLabels: string;
}

/** The settings a reload may change in the shim. */
export type UpdateArgs = Pick<
  StartArgs,
  "cmdSafetyMs" | "eomSafetyMs" | "progressMs" | "failTempfail" | "statusHeader"
>;

export interface Shim {
  /** Start libmilter on its own thread; the read end of the wake-up pipe. Throws with the shim's reason. */
  start(args: StartArgs): number;
  /** Fill `buf` with queued events: bytes written, 0 when none, or minus the size of an event that does not fit. */
  poll(buf: Buffer): number;
  /** Answer an event; false when the shim no longer waits for it (late, or the session closed). */
  reply(slot: number, gen: number, seq: number, status: number, reply: Buffer, mods: Buffer): boolean;
  /** Apply reloaded settings to the sessions' next waits; false when the status header name is too long. */
  update(u: UpdateArgs): boolean;
  /** Refuse new sessions; the open ones go on. */
  drain(): void;
  /** Stop smfi_main (sessions still open are abandoned by libmilter: drain first). */
  stop(): void;
  /** 0: never started, 1: running, 2: smfi_main returned. */
  state(): number;
  sessions(): number;
  /** The most bytes of events ever queued for JavaScript at once. */
  queuePeak(): number;
  libmilterVersion: string;
  koffiVersion: string;
}

export type ShimLoad = { ok: true; shim: Shim } | { ok: false; reason: string };

const cached = new Map<string, Promise<ShimLoad>>();

/** Load koffi and the shim (once per path and process). */
export function loadShim(path = SHIM_PATH): Promise<ShimLoad> {
  let loading = cached.get(path);
  if (!loading) cached.set(path, (loading = load(path)));
  return loading;
}

async function load(path: string): Promise<ShimLoad> {
  let koffi: typeof import("koffi");
  try {
    const mod = (await import("koffi")) as typeof import("koffi") & { default?: typeof import("koffi") };
    koffi = mod.default ?? mod;
  } catch (error) {
    return { ok: false, reason: `koffi is not installed (${errorText(error)})` };
  }
  if (!existsSync(path)) return { ok: false, reason: `${path} is missing (run make -C native; needs libmilter-dev)` };
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(path);
  } catch (error) {
    return { ok: false, reason: `cannot load the libmilter shim (is libmilter1.0.1 installed?): ${errorText(error)}` };
  }
  const fgStart = lib.func(
    "int fg_start(const char *conn, int backlog, int timeout_s, uint32_t decide_mask, uint32_t actions, " +
      "uint32_t protocol, const char *macros, const char *query, int cmd_safety_ms, int eom_safety_ms, " +
      "int progress_ms, int fail_tempfail, const char *status_header, uint32_t max_sessions, " +
      "const char *fail_labels, uint8_t *err, int errlen)",
  );
  const fgPoll = lib.func("int fg_poll(uint8_t *buf, int cap)");
  const fgUpdate = lib.func(
    "int fg_update(int cmd_safety_ms, int eom_safety_ms, int progress_ms, int fail_tempfail, const char *status_header)",
  );
  const fgReply = lib.func(
    "int fg_reply(uint32_t slot, uint32_t gen, uint32_t seq, int status, const uint8_t *reply, int reply_len, " +
      "const uint8_t *mods, int mods_len)",
  );
  const fgStop = lib.func("void fg_stop(void)");
  const fgDrain = lib.func("void fg_drain(void)");
  const fgState = lib.func("int fg_state(void)");
  const fgSessions = lib.func("int fg_sessions(void)");
  const fgQueuePeak = lib.func("uint32_t fg_queue_peak(void)");
  const fgVersion = lib.func("void fg_libmilter_version(uint8_t *buf, int len)");
  const versionBuf = Buffer.alloc(32);
  fgVersion(versionBuf, versionBuf.length);
  const shim: Shim = {
    start(a) {
      const err = Buffer.alloc(256);
      const fd = fgStart(
        a.conn,
        a.backlog,
        a.timeoutSeconds,
        a.decideMask >>> 0,
        a.actions >>> 0,
        a.protocol >>> 0,
        a.macros,
        a.query,
        a.cmdSafetyMs,
        a.eomSafetyMs,
        a.progressMs,
        a.failTempfail ? 1 : 0,
        a.statusHeader,
        a.maxSessions,
        a.failLabels,
        err,
        err.length,
      ) as number;
      if (fd < 0) throw new Error(cString(err));
      return fd;
    },
    poll: (buf) => fgPoll(buf, buf.length) as number,
    reply: (slot, gen, seq, status, reply, mods) =>
      (fgReply(slot, gen, seq, status, reply, reply.length, mods, mods.length) as number) === 0,
    update: (u) =>
      (fgUpdate(u.cmdSafetyMs, u.eomSafetyMs, u.progressMs, u.failTempfail ? 1 : 0, u.statusHeader) as number) === 0,
    drain: () => void fgDrain(),
    stop: () => void fgStop(),
    state: () => fgState() as number,
    sessions: () => fgSessions() as number,
    queuePeak: () => fgQueuePeak() as number,
    libmilterVersion: cString(versionBuf),
    koffiVersion: koffi.version,
  };
  return { ok: true, shim };
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end < 0 ? buf.length : end).toString("utf8");
}
