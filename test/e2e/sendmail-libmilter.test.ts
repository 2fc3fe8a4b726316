/**
 * End to end through a real Sendmail 8.17 against the libmilter engine (issue 7 "Proven by"): the cases of
 * sendmail.suite.ts, in a file of their own (one libmilter engine per process).
 */
import { defineSendmailSuite } from "./sendmail.suite.js";

defineSendmailSuite("libmilter");
