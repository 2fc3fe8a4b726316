/**
 * Verdicts an operator can trust (src/harness/verdicts-command.ts): `floodgate run` on its `make run` defaults behind
 * a private Postfix, corpus spam campaigns and distinct ham sent, one report per campaign, sent again: the copies
 * refused and the ham refused or held; then the flood's end of message with spamd against the built-in rules, in
 * interleaved rounds.
 * Run: node dist/benchmarks/verdicts.js [--campaigns 40] [--copies 25] [--ham 1000] [--rounds 3] [--out DIR] (make verdicts)
 */
import { verdictsCommand } from "../src/harness/verdicts-command.js";

process.exitCode = await verdictsCommand(process.argv.slice(2), process.stdout);
