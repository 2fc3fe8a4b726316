/**
 * Test support: wait for a condition on a real part (a Redis connection, a queue draining, an alert arriving),
 * with a generous bound and a message that says what never happened.
 */

/** Call `fn` until it returns something truthy (returned), or fail after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  fn: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
