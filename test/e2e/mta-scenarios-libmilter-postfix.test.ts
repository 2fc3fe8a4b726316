/**
 * The real-MTA scenarios (mta-scenarios/) through Postfix with the libmilter engine on TCP: a file of its own,
 * as libmilter runs once per process.
 */
import { runMtaScenarios } from "./mta-scenarios.runner.js";

runMtaScenarios("postfix", "libmilter", "tcp");
