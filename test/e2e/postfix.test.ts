/**
 * End to end through a real Postfix 3.7 (issue 2 "Proven by") against the TypeScript engine, on TCP and on a unix
 * socket (both in this process: the TypeScript engine allows many servers). The cases are in postfix.suite.ts; the
 * libmilter engine runs them from postfix-libmilter.test.ts and postfix-libmilter-unix.test.ts.
 */
import { definePostfixSuite } from "./postfix.suite.js";

definePostfixSuite("typescript", ["tcp", "unix"]);
