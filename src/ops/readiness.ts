/**
 * Readiness from named checks (Redis answers, the thread pool is up…): each check runs with a timeout, and the
 * service is ready when every one says `true`. A check that fails says why (a string) or just `false`.
 */

/** The answer `/readyz` serves: ready, and each check's result (true, or why not). */
export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean | string>;
}

/** A check: true when healthy; false or a reason when not. Throwing counts as failing with the error's message. */
export type ReadinessCheck = () => boolean | string | Promise<boolean | string>;

/** A readiness function running every check at once, each bounded by `timeoutMs`. */
export function readinessFromChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = 1000,
): () => Promise<Readiness> {
  return async () => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, boolean | string]> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
          });
          const result = await Promise.race([Promise.resolve().then(check), timeout]);
          return [name, result];
        } catch (err) {
          return [name, (err as Error).message || "failed"];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const results = Object.fromEntries(entries);
    return { ready: entries.every(([, r]) => r === true), checks: results };
  };
}
