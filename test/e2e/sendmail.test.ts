/**
 * End to end through a real Sendmail 8.17 (issue 2 "Proven by") against the TypeScript engine: the cases of
 * sendmail.suite.ts. The libmilter engine runs them from sendmail-libmilter.test.ts.
 */
import { defineSendmailSuite } from "./sendmail.suite.js";

defineSendmailSuite("typescript");
