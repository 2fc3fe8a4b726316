/**
 * The engine benchmark: the TypeScript engine with the no-op policy at 1, 10 and 100 concurrent sessions (closed
 * loop), messages/s and p50/p99 per command, beside the C no-op milter on libmilter measured in the same run on the
 * same corpus messages. Usage (after the build):
 *   node dist/benchmarks/milter-throughput.js [--messages N] [--seconds S] [--sessions 1,10,100] [--out DIR]
 * Prints a table on stdout and progress on stderr; writes milter-throughput.json (and .html) under
 * bench-results/<timestamp>/ unless --out says otherwise.
 */
import { runMilterThroughput } from "../src/harness/throughput.js";

const code = await runMilterThroughput(process.argv.slice(2), process.stdout);
process.exitCode = code;
