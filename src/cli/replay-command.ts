/**
 * `floodgate replay PATH`: what Floodgate would have done with a Maildir, an mbox or a folder of .eml files
 * (src/replay), printed as text or JSON.
 */
import type { Config } from "../config/schema.js";
import { formatReplay } from "../replay/report.js";
import { replay } from "../replay/replay.js";

export interface ReplayCommandOptions {
  redisUrl: string | null;
  scan: boolean;
  limit: number;
  json: boolean;
  all: boolean;
}

export async function replayCommand(
  path: string,
  config: Config,
  options: ReplayCommandOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const report = await replay(path, { config, redisUrl: options.redisUrl, scan: options.scan, limit: options.limit });
  const text = options.json ? JSON.stringify(report) + "\n" : formatReplay(report, { all: options.all });
  await new Promise<void>((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
  return 0;
}
