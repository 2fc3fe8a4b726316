/**
 * The real-mail-flow comparison's paths by name (./flow-paths.ts starts them): their order, their short names on the
 * command line, the default list and its parser. It imports nothing of the harness, so the CLI's option table can
 * list the short names without loading it.
 */
import { DEFAULT_PATHS_WORD } from "./real-flow-defaults.js";

/** Every path, in the order they run in odd rounds (even rounds run them backwards). */
export const FLOW_PATHS = [
  "postfix alone",
  "+ c-noop reading the message",
  "+ c-noop at DATA and end of message",
  "+ c milter, the design's least work",
  "+ ts engine, no-op policy",
  "+ ts engine, crossings only",
  "+ ts engine, fingerprint only",
  "+ libmilter engine, no-op policy",
  "+ floodgate, scan workers off-host",
  "+ floodgate on libmilter, scan workers off-host",
  "+ floodgate on defaults",
] as const;
export type FlowPathName = (typeof FLOW_PATHS)[number];

/** The path every other is compared with, and the one the floors are about. */
export const REFERENCE_PATH: FlowPathName = "+ c-noop reading the message";
export const OFF_HOST_PATH: FlowPathName = "+ floodgate, scan workers off-host";
/** The design's least work, in C (native/least-work-milter.c): what any implementation pays at least. */
export const LEAST_WORK_PATH: FlowPathName = "+ c milter, the design's least work";
/** The design's crossings alone: the pool's hand-off (its task not reading the message) and one Redis lookup. */
export const CROSSINGS_PATH: FlowPathName = "+ ts engine, crossings only";
export const LIBMILTER_NOOP_PATH: FlowPathName = "+ libmilter engine, no-op policy";
export const LIBMILTER_OFF_HOST_PATH: FlowPathName = "+ floodgate on libmilter, scan workers off-host";

/** Each path's short name on the command line (`--paths`). */
export const FLOW_PATH_KEYS: Readonly<Record<string, FlowPathName>> = {
  postfix: "postfix alone",
  "c-noop": REFERENCE_PATH,
  "c-noop-data": "+ c-noop at DATA and end of message",
  "c-least-work": LEAST_WORK_PATH,
  "ts-noop": "+ ts engine, no-op policy",
  "ts-crossings": CROSSINGS_PATH,
  "ts-fingerprint": "+ ts engine, fingerprint only",
  "libmilter-noop": LIBMILTER_NOOP_PATH,
  "off-host": OFF_HOST_PATH,
  "libmilter-off-host": LIBMILTER_OFF_HOST_PATH,
  defaults: "+ floodgate on defaults",
};

/** The paths run when none are named: every path but the libmilter engine's two, which add a third to the run. */
export const DEFAULT_FLOW_PATHS: readonly FlowPathName[] = FLOW_PATHS.filter(
  (p) => p !== LIBMILTER_NOOP_PATH && p !== LIBMILTER_OFF_HOST_PATH,
);

/**
 * The paths a comma-separated list of short names asks for (DEFAULT_PATHS_WORD for the default ones, `all` for every
 * one), in the order of FLOW_PATHS; throws on a name it does not know.
 */
export function parseFlowPaths(list: string): FlowPathName[] {
  const wanted = new Set<FlowPathName>();
  for (const key of list.split(",").map((k) => k.trim())) {
    if (key === DEFAULT_PATHS_WORD) DEFAULT_FLOW_PATHS.forEach((p) => wanted.add(p));
    else if (key === "all") FLOW_PATHS.forEach((p) => wanted.add(p));
    else if (FLOW_PATH_KEYS[key]) wanted.add(FLOW_PATH_KEYS[key]);
    else
      throw new Error(
        `unknown path ${JSON.stringify(key)} (${[...Object.keys(FLOW_PATH_KEYS), DEFAULT_PATHS_WORD, "all"].join(", ")})`,
      );
  }
  return FLOW_PATHS.filter((p) => wanted.has(p));
}

/** How long a round waits for its path's scans to end before the next path's round starts. */
export const SCANS_SETTLE_MS = 30_000;
