/**
 * End to end through a real Postfix 3.7 against the libmilter engine (issue 7 "Proven by"), on TCP: the cases of
 * postfix.suite.ts. libmilter runs once per process, so the unix-socket run is in postfix-libmilter-unix.test.ts.
 */
import { definePostfixSuite } from "./postfix.suite.js";

definePostfixSuite("libmilter", ["tcp"]);
