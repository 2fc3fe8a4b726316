/**
 * Full garbage collections on demand, for tests that check what stays alive (the test runner does not pass
 * `--expose-gc`, so the flag is set at run time and `gc` taken from a fresh context).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Two full collections: what is only weakly held, or not held at all, is gone after them. */
export function collectGarbage(): void {
  gc();
  gc();
}
