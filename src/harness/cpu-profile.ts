/**
 * Where a thread's time goes: a V8 CPU profile (`node --cpu-prof`, one `.cpuprofile` per thread) cut to a window of
 * the monotonic clock (process.hrtime, the clock V8 stamps its samples with) and summed by self time, per function and
 * per place (Node's internals, a package, a folder of Floodgate, the garbage collector, idle), per message.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The parts of a .cpuprofile read here. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function or place, µs per message, and its share of the busy (not idle) time. */
export interface ProfileLine {
  name: string;
  usPerMessage: number;
  share: number;
}

/** A thread's time in a window, per message. */
export interface ProfileSummary {
  messages: number;
  /** Busy (sampled, not idle) µs per message. */
  busyUsPerMessage: number;
  byPlace: ProfileLine[];
  byFunction: ProfileLine[];
}

/** The place a function belongs to: a package, a folder of Floodgate, Node's internals, or V8's own entries. */
export function placeOf(frame: ProfileNode["callFrame"]): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "native (bindings, builtins)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const own = /\/dist\/((?:src|workers)\/[^/]+)/.exec(url);
  if (own) return `floodgate ${own[1]!.replace(/\.js$/, "")}`;
  return "other";
}

function top(map: Map<string, number>, busy: number, messages: number, limit: number): ProfileLine[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, usPerMessage: us / messages, share: busy > 0 ? us / busy : 0 }));
}

/** Sum the self time of the samples within [fromUs, toUs], per place and per function, per message. */
export function summarizeProfile(
  profile: CpuProfile,
  window: { fromUs: number; toUs: number },
  messages: number,
  limit = 15,
): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const self = profile.timeDeltas[i + 1] ?? 0;
    if (t < window.fromUs || t > window.toUs || self <= 0) continue;
    const frame = nodes.get(profile.samples[i]!)?.callFrame;
    if (!frame || frame.functionName === "(idle)") continue;
    busy += self;
    const place = placeOf(frame);
    byPlace.set(place, (byPlace.get(place) ?? 0) + self);
    const file = frame.url.split("/").pop() ?? "";
    const fn = `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + self);
  }
  const n = Math.max(messages, 1);
  return {
    messages,
    busyUsPerMessage: busy / n,
    byPlace: top(byPlace, busy, n, limit),
    byFunction: top(byFunction, busy, n, limit),
  };
}

/** The main thread's profile of process `pid` in `dir` (Node names it CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile). */
export function mainThreadProfile(dir: string, pid: number): CpuProfile | null {
  const name = readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.includes(`.${pid}.0.`));
  return name ? (JSON.parse(readFileSync(join(dir, name), "utf8")) as CpuProfile) : null;
}

/** The monotonic clock in µs, as V8 stamps profile samples. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
