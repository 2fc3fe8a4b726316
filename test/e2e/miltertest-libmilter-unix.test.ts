/**
 * End to end with OpenDKIM's miltertest against the libmilter engine (issue 7 "Proven by"), on a unix socket: the
 * unix-socket case of miltertest.suite.ts (the TCP cases are in miltertest-libmilter.test.ts).
 */
import { defineMiltertestSuite } from "./miltertest.suite.js";

defineMiltertestSuite("libmilter", ["unix"]);
