/**
 * The scanners a worker process runs, built from `config.scanWorker.scanners`, and the rule that runs them:
 * in order, the first that answers wins; when none answers the scan fails (and the job is retried).
 */
import { isPrivateSpamd, type ScannerConfig } from "../config/scanner-schema.js";
import { createBuiltinScanner } from "./builtin.js";
import { createClamdScanner } from "./clamd.js";
import { createRspamdScanner } from "./rspamd.js";
import { createSpamdScanner } from "./spamd.js";
import { ScannerError, type ScanResult, type Scanner } from "./types.js";

export { ScannerError, type ScanResult, type Scanner } from "./types.js";

/**
 * One scanner per configured entry, in the configured order. The private spamd entry talks to `privateSpamdSocket`,
 * and is left out when that is null (the private spamd did not start: the next scanner, usually the built-in rules,
 * decides).
 */
export function createScanners(configs: readonly ScannerConfig[], privateSpamdSocket: string | null = null): Scanner[] {
  const scanners = configs.flatMap((config): Scanner[] => {
    if (isPrivateSpamd(config)) {
      if (privateSpamdSocket === null) return [];
      return [createSpamdScanner({ ...config, host: "", port: 0, socket: privateSpamdSocket })];
    }
    return [createScanner(config)];
  });
  return scanners.length > 0 ? scanners : [createBuiltinScanner({ threshold: BUILTIN_FALLBACK_THRESHOLD })];
}

/** The built-in rules' threshold when they stand in for a private spamd that did not start. */
const BUILTIN_FALLBACK_THRESHOLD = 5;

function createScanner(config: ScannerConfig): Scanner {
  switch (config.type) {
    case "builtin":
      return createBuiltinScanner({ threshold: config.threshold });
    case "spamd":
      return createSpamdScanner({
        ...config,
        host: config.host ?? "127.0.0.1",
        port: config.port ?? 783,
        socket: config.socket,
      });
    case "rspamd":
      return createRspamdScanner(config);
    case "clamd":
      return createClamdScanner(config);
  }
}

/** Thrown when every scanner failed; `errors` holds each one's reason. */
export class AllScannersFailedError extends Error {
  override readonly name = "AllScannersFailedError";
  constructor(readonly errors: readonly ScannerError[]) {
    super(`no scanner answered: ${errors.map((e) => e.message).join("; ")}`);
  }
}

/** Run the scanners in order; the first that answers wins. Stops at once when `signal` aborts. */
export async function runScanners(
  scanners: readonly Scanner[],
  message: Buffer,
  signal?: AbortSignal,
  onError?: (error: ScannerError) => void,
): Promise<ScanResult & { scanner: string; saysHam: boolean }> {
  const errors: ScannerError[] = [];
  for (const scanner of scanners) {
    try {
      const result = await scanner.scan(message, signal);
      return { ...result, scanner: scanner.name, saysHam: scanner.saysHam };
    } catch (err) {
      const error =
        err instanceof ScannerError ? err : new ScannerError(scanner.name, "protocol", String(err), { cause: err });
      errors.push(error);
      onError?.(error);
      if (signal?.aborted) break;
    }
  }
  throw new AllScannersFailedError(errors);
}
