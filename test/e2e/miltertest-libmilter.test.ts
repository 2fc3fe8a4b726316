/**
 * End to end with OpenDKIM's miltertest against the libmilter engine (issue 7 "Proven by"), on TCP: the TCP cases of
 * miltertest.suite.ts. libmilter listens on one socket, once per process: the unix-socket case is in
 * miltertest-libmilter-unix.test.ts.
 */
import { defineMiltertestSuite } from "./miltertest.suite.js";

defineMiltertestSuite("libmilter", ["tcp"]);
