/**
 * The running configuration and its reload: SIGHUP (or `reload()`) reads the file again; a valid file replaces the
 * configuration without touching open sessions (they read `current()` when they need a value), a broken one is refused
 * with every error logged and the running configuration kept. Keys that only a restart can change (listeners, Redis,
 * thread counts, the metrics listener) keep their running values and are named in the log. Shadow mode can also be
 * switched at run time (the admin endpoint); that switch survives reloads until the file's own `policy.shadow` changes.
 */
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "../util/logger.js";
import type { FloodgateMetrics } from "../metrics/metrics.js";
import { formatConfigErrors, formatPath, type ConfigError } from "./errors.js";
import { loadConfig } from "./load.js";
import type { Config } from "./schema.js";

/** Key paths (prefixes) whose change needs a restart; a reload keeps their running values. */
export const RESTART_REQUIRED: readonly string[] = [
  "milter.listen",
  "milter.socketMode",
  "milter.engine",
  "redis",
  "state",
  "fingerprint.threads",
  "fingerprint.threadHeapMb",
  "fingerprint.warmUpMessages",
  "queue.name",
  "worker.processes",
  "metrics",
  // The MTA queue's sampler is started (or not) at start.
  "mtaQueue",
  // The mail-flow watchdog's sliding window is sized at start.
  "alerts.watchdog.ratioWindowSeconds",
];

/** What a reload did. */
export type ReloadResult =
  { ok: true; config: Config; changed: string[]; restartRequired: string[] } | { ok: false; errors: ConfigError[] };

/** The last reload tried: applied or refused, when (ms since the epoch), and a refused file's errors. */
export interface ReloadOutcome {
  ok: boolean;
  at: number;
  errors: string[];
}

/** Called after every change with the new and the previous configuration and the leaf paths that changed. */
export type ChangeListener = (config: Config, previous: Config, changed: readonly string[]) => void;

export interface LiveConfigOptions {
  /** The file to read again on reload; null: defaults and environment only. */
  path: string | null;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Where reloads are counted (ok, refused). */
  metrics?: Pick<FloodgateMetrics, "configReloadsTotal" | "configLastReloadSuccessful">;
}

/** The configuration in effect now, reloadable. */
export class LiveConfig {
  #config: Config;
  #fileShadow: boolean;
  #shadowOverride: boolean | null = null;
  #lastReload: ReloadOutcome | null = null;
  readonly #listeners = new Set<ChangeListener>();
  readonly #options: LiveConfigOptions;

  /** Load the file once; the errors when it is not valid (nothing runs on a broken file at start). */
  static load(options: LiveConfigOptions): { ok: true; live: LiveConfig } | { ok: false; errors: ConfigError[] } {
    const result = loadConfig(options.path, options.env ?? process.env);
    if (!result.ok) return result;
    return { ok: true, live: new LiveConfig(result.config, options) };
  }

  /** Start from an already validated configuration. */
  constructor(initial: Config, options: LiveConfigOptions) {
    this.#config = initial;
    this.#fileShadow = initial.policy.shadow;
    this.#options = options;
  }

  /** The configuration in effect. Do not mutate it. */
  current(): Config {
    return this.#config;
  }

  /** True while shadow mode was switched at run time rather than by the file. */
  shadowOverridden(): boolean {
    return this.#shadowOverride !== null;
  }

  /** The last reload tried since start; null when none was. */
  lastReload(): ReloadOutcome | null {
    return this.#lastReload;
  }

  /** Read the file again; apply it when valid, keep the running configuration when not. Counted and logged. */
  reload(): ReloadResult {
    const log = this.#options.logger;
    const result = loadConfig(this.#options.path, this.#options.env ?? process.env);
    if (!result.ok) {
      const errors = formatConfigErrors(result.errors).split("\n");
      this.#lastReload = { ok: false, at: Date.now(), errors };
      this.#options.metrics?.configReloadsTotal.inc({ result: "refused" });
      this.#options.metrics?.configLastReloadSuccessful.set(0);
      log?.error({ path: this.#options.path, errors }, "configuration reload refused; the running configuration stays");
      return result;
    }
    for (const warning of result.warnings) log?.warn({ path: this.#options.path }, warning);
    const next = structuredClone(result.config);
    const restartRequired: string[] = [];
    for (const path of diffPaths(this.#config, next)) {
      if (RESTART_REQUIRED.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) {
        restartRequired.push(path);
      }
    }
    for (const prefix of RESTART_REQUIRED) copyAt(this.#config, next, prefix.split("."));
    if (next.policy.shadow !== this.#fileShadow) this.#shadowOverride = null;
    this.#fileShadow = next.policy.shadow;
    if (this.#shadowOverride !== null) next.policy.shadow = this.#shadowOverride;
    const changed = this.#replace(next);
    this.#lastReload = { ok: true, at: Date.now(), errors: [] };
    this.#options.metrics?.configReloadsTotal.inc({ result: "ok" });
    this.#options.metrics?.configLastReloadSuccessful.set(1);
    log?.info({ path: this.#options.path, changed, restartRequired }, "configuration reloaded");
    if (restartRequired.length > 0) log?.warn({ restartRequired }, "these changes take effect at the next restart");
    return { ok: true, config: this.#config, changed, restartRequired };
  }

  /** Switch shadow mode now (decide and tag, never reject or tempfail). */
  setShadow(on: boolean, source = "admin"): void {
    this.#shadowOverride = on === this.#fileShadow ? null : on;
    if (this.#config.policy.shadow === on) return;
    const next = structuredClone(this.#config);
    next.policy.shadow = on;
    this.#replace(next);
    this.#options.logger?.warn({ shadow: on, source }, on ? "shadow mode on" : "shadow mode off");
  }

  /** Be told of every change; returns the function that stops it. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reload on a signal (SIGHUP by default); returns the function that stops listening. */
  watchSignal(signal: NodeJS.Signals = "SIGHUP"): () => void {
    const handler = () => {
      this.#options.logger?.info({ signal }, "reloading the configuration");
      this.reload();
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  }

  #replace(next: Config): string[] {
    const previous = this.#config;
    const changed = diffPaths(previous, next);
    this.#config = next;
    if (changed.length === 0) return changed;
    const logger = this.#options.logger;
    if (logger && changed.includes("log.level")) logger.level = next.log.level;
    for (const listener of this.#listeners) {
      try {
        listener(next, previous, changed);
      } catch (err) {
        this.#options.logger?.error({ err }, "configuration change listener failed");
      }
    }
    return changed;
  }
}

/** Leaf key paths whose values differ (lists compared whole). */
export function diffPaths(a: unknown, b: unknown, path: PropertyKey[] = []): string[] {
  const isSection = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);
  if (isSection(a) && isSection(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    return [...keys].flatMap((k) => diffPaths(ra[k], rb[k], [...path, k]));
  }
  return isDeepStrictEqual(a, b) ? [] : [formatPath(path)];
}

function copyAt(from: unknown, to: unknown, path: readonly string[]): void {
  let src = from as Record<string, unknown>;
  let dst = to as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    src = src[path[i]!] as Record<string, unknown>;
    dst = dst[path[i]!] as Record<string, unknown>;
    if (!src || !dst) return;
  }
  const key = path[path.length - 1]!;
  if (key in src) dst[key] = structuredClone(src[key]);
}
