/**
 * `floodgate replay`: expiry follows the messages' dates: personalised copies of a real spam campaign further apart
 * than `campaigns.ttlSeconds` of message time are two campaigns, closer ones one, and the dates shown are the
 * messages' own.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadSpam } from "../../src/lab/corpus.js";
import type { ReplayReport } from "../../src/replay/replay.js";
import { DAEMON_NODE_FLAGS } from "../../src/util/node-flags.js";
import { CLI } from "../support/daemon.js";

const run = promisify(execFile);
/** A message with its Date header set to `date`. */
function dated(message: Buffer, date: Date): Buffer {
  const text = message.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, end).replace(/^Date:.*(\r?\n[ \t].*)*\r?\n?/im, "");
  return Buffer.from(`Date: ${date.toUTCString()}\r\n${head}${text.slice(end)}`, "latin1");
}

/** Write messages as .eml files in a new folder and as one mbox (`From ` lines quoted as mboxrd does). */
function writeCorpus(messages: Buffer[]): { folder: string; mbox: string } {
  const dir = mkdtempSync(join(tmpdir(), "fg-replay-"));
  const folder = join(dir, "eml");
  const parts: string[] = [];
  mkdirSync(folder);
  messages.forEach((m, i) => {
    writeFileSync(join(folder, `${String(i).padStart(5, "0")}.eml`), m);
    const text = m
      .toString("latin1")
      .replace(/\r\n/g, "\n")
      .replace(/^(>*From )/gm, ">$1");
    parts.push(`From sender@example.org Thu Jan  1 00:00:00 2004\n${text}${text.endsWith("\n") ? "" : "\n"}\n`);
  });
  const mbox = join(dir, "archive.mbox");
  writeFileSync(mbox, parts.join(""), "latin1");
  return { folder, mbox };
}

async function replayJson(path: string, config: Record<string, unknown>): Promise<ReplayReport> {
  const file = join(mkdtempSync(join(tmpdir(), "fg-replay-cfg-")), "floodgate.yaml");
  writeFileSync(file, stringify(config));
  const { stdout } = await run(
    process.execPath,
    [...DAEMON_NODE_FLAGS, CLI, "replay", path, "--json", "--config", file],
    {
      maxBuffer: 64 << 20,
      timeout: 240_000,
    },
  );
  return JSON.parse(stdout) as ReplayReport;
}

describe("floodgate replay", () => {
  test("expiry follows the messages' dates: copies a ttl apart are two campaigns", async () => {
    const base = await campaignBase(loadSpam({ limit: 400 })[300]!.bytes);
    const day = 86_400_000;
    const t0 = Date.UTC(2003, 0, 10);
    const copies = campaignVariants(base, 4, { seed: 9 });
    // Half a day apart, then three days later: with a ttl of one day, the last copy starts the campaign again.
    const when = [t0, t0 + day / 2, t0 + day / 2 + 3 * day, t0 + day / 2 + 3 * day + 1000];
    const { folder } = writeCorpus(copies.map((c, i) => dated(c.message, new Date(when[i]!))));
    const short = await replayJson(folder, { campaigns: { ttlSeconds: 86_400 }, policy: { holdBulk: false } });
    const [a, b, c, d] = short.decisions.map((x) => x.campaign);
    assert.ok(
      a && a === b,
      `the first two copies, half a day apart, are one campaign: ${JSON.stringify(short.decisions)}`,
    );
    assert.ok(c && c === d, "the last two copies are one campaign");
    assert.notEqual(b, c, "three days unseen with a ttl of one day: the campaign was forgotten, a new one started");
    const long = await replayJson(folder, { campaigns: { ttlSeconds: 7 * 86_400 }, policy: { holdBulk: false } });
    assert.equal(new Set(long.decisions.map((d) => d.campaign)).size, 1);
    assert.equal(long.campaigns[0]!.firstSeen, new Date(t0).toISOString(), "dates are the messages' dates");
  });
});
