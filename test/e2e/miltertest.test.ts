/**
 * End to end with OpenDKIM's miltertest against the TypeScript engine, listening on TCP and a unix socket at once:
 * the cases of miltertest.suite.ts. The libmilter engine runs them from miltertest-libmilter.test.ts (TCP) and
 * miltertest-libmilter-unix.test.ts (unix socket).
 */
import { defineMiltertestSuite } from "./miltertest.suite.js";

defineMiltertestSuite("typescript", ["tcp", "unix"]);
