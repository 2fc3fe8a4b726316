/**
 * The real-MTA scenarios (mta-scenarios/) against the TypeScript engine: through Postfix on TCP and on a unix socket,
 * and through Sendmail on TCP, all in this process (the TypeScript engine allows many servers). The libmilter engine
 * plays them from mta-scenarios-libmilter-*.test.ts, one combination per file.
 */
import { runMtaScenarios } from "./mta-scenarios.runner.js";

runMtaScenarios("postfix", "typescript", "tcp");
runMtaScenarios("postfix", "typescript", "unix");
runMtaScenarios("sendmail", "typescript", "tcp");
