/**
 * `floodgate replay` against the daemon: the same real messages (SpamAssassin corpus spam and ham, plus personalised
 * copies of three spam campaigns) sent to `floodgate run` through the milter client in the replay's order, and
 * replayed from a folder of .eml files and from an mbox of them, fall into the same campaigns (the same partition of
 * the messages; ids may differ). The corpus part holds copies whose Date field is a sender's clock decades off (year
 * 0102 where its campaign's other copies say 2002): replayed at that date, such a copy was forgotten by the ttl before
 * the rest of its campaign came and was counted apart. Expiry follows the messages' dates: copies further apart than
 * `campaigns.ttlSeconds` of message time are two campaigns, closer ones one.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { MilterClient } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadHam, loadSpam } from "../../src/lab/corpus.js";
import { headerFields, inDateOrder, readReplayMessages } from "../../src/replay/mail-source.js";
import type { ReplayReport } from "../../src/replay/replay.js";
import { DAEMON_NODE_FLAGS } from "../../src/util/node-flags.js";
import { CLI, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { stopInOrder } from "../support/cleanups.js";

const run = promisify(execFile);
/**
 * The same for the daemon and the replay: a ttl and a window long enough that nothing expires, in real time for the
 * daemon nor in the corpus's message time (the values of a campaign seen once live two windows), and bulk at 10
 * copies, so the personalised campaigns (12 copies) turn bulk.
 */
const CAMPAIGNS = { ttlSeconds: 1_000_000_000, windowSeconds: 1_000_000_000, bulk: { copies: 10 } };

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

/** The partition of message names by campaign, canonical: each group sorted, the groups sorted. */
function partition(pairs: Array<[string, string]>): string[][] {
  const groups = new Map<string, string[]>();
  for (const [name, campaign] of pairs) groups.set(campaign, [...(groups.get(campaign) ?? []), name]);
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The message name (index in the corpus) of a replayed file, whether from the folder or the mbox. */
const nameOf = (file: string) => {
  const m = /(\d{5})\.eml$/.exec(file) ?? /#(\d+)$/.exec(file);
  assert.ok(m, file);
  return file.endsWith(".eml") ? String(Number(m[1])) : String(Number(m[1]) - 1);
};

describe("floodgate replay", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;
  let corpus: { folder: string; mbox: string };
  const messages: Buffer[] = [];

  before(async () => {
    redis = await startTestRedis();
    messages.push(...loadSpam({ limit: 150 }).map((m) => m.bytes), ...loadHam({ limit: 100 }).map((m) => m.bytes));
    const spam = loadSpam({ limit: 400 });
    for (const [k, index] of [210, 260, 330].entries()) {
      const base = await campaignBase(spam[index]!.bytes);
      const start = Date.UTC(2002, 6, 1 + k);
      for (const [i, v] of campaignVariants(base, 12, { seed: k + 1 }).entries())
        messages.push(dated(v.message, new Date(start + i * 60_000)));
    }
    corpus = writeCorpus(messages);
    const decadesOff = messages.filter((m) => Date.parse(headerFields(m).get("date")?.[0] ?? "") < Date.UTC(1990, 0));
    assert.ok(decadesOff.length > 0, "the corpus part has a copy dated by a sender's clock decades off");
    daemon = await startDaemonProcess({
      redis: { url: redis.url, commandTimeoutMs: 5_000 },
      milter: { eomDeadlineMs: 10_000 },
      fingerprint: { taskTimeoutMs: 10_000 },
      scanWorker: { processes: 0 },
      queue: { enabled: false },
      campaigns: CAMPAIGNS,
      policy: { holdBulk: false },
    });
  });

  after(() => stopInOrder(daemon, redis));

  test("a corpus folder and an mbox replay into the daemon's campaigns (the same partition)", async () => {
    // The daemon, given the same messages in the same (date) order with the same envelopes.
    const { ordered } = inDateOrder(readReplayMessages(corpus.folder, Infinity));
    const client = await MilterClient.connect(daemon.milter);
    await client.open();
    const daemonPairs: Array<[string, string]> = [];
    for (const m of ordered) {
      const r = await client.transaction(
        rawToTestMessage(m.bytes, m.sender, m.recipients.length ? m.recipients : ["x@example.org"]),
      );
      const header = r.eom?.modifications.find((x) => "name" in x && x.name === "X-Floodgate-Campaign") as
        { value: string } | undefined;
      assert.ok(header, `a campaign label for ${m.file}: ${JSON.stringify(r.eom)}`);
      daemonPairs.push([nameOf(m.file), header.value.trim().split(";")[0]!]);
    }
    await client.quit();
    const expected = partition(daemonPairs);
    assert.ok(
      expected.some((g) => g.length >= 12),
      "the personalised copies formed campaigns",
    );

    for (const path of [corpus.folder, corpus.mbox]) {
      const report = await replayJson(path, { campaigns: CAMPAIGNS, policy: { holdBulk: false } });
      assert.equal(report.messages, messages.length);
      const pairs = report.decisions.map((d): [string, string] => [nameOf(d.file), d.campaign ?? `unparsed:${d.file}`]);
      const actual = partition(pairs);
      const key = (g: string[]) => g.join(",");
      const only = (a: string[][], b: string[][]) => a.filter((g) => !b.some((h) => key(h) === key(g))).map(key);
      assert.deepEqual(
        { replayOnly: only(actual, expected), daemonOnly: only(expected, actual) },
        { replayOnly: [], daemonOnly: [] },
        `${report.kind}: the same campaigns as the daemon`,
      );
      assert.ok(
        report.campaigns.some((c) => c.bulkAt !== null),
        "some campaign turned bulk",
      );
    }
  });

  test("expiry follows the messages' dates: copies a ttl apart are two campaigns", async () => {
    const base = await campaignBase(loadSpam({ limit: 400 })[300]!.bytes);
    const day = 86_400_000;
    const t0 = Date.UTC(2003, 0, 10);
    const copies = campaignVariants(base, 4, { seed: 9 });
    // An hour apart (a campaign seen once keeps its values two windows of an hour), then three days later: with a
    // ttl of one day, the last copy starts the campaign again.
    const hour = day / 24;
    const when = [t0, t0 + hour, t0 + hour + 3 * day, t0 + hour + 3 * day + 1000];
    const { folder } = writeCorpus(copies.map((c, i) => dated(c.message, new Date(when[i]!))));
    const short = await replayJson(folder, { campaigns: { ttlSeconds: 86_400 }, policy: { holdBulk: false } });
    const [a, b, c, d] = short.decisions.map((x) => x.campaign);
    assert.ok(
      a && a === b,
      `the first two copies, an hour apart, are one campaign: ${JSON.stringify(short.decisions)}`,
    );
    assert.ok(c && c === d, "the last two copies are one campaign");
    assert.notEqual(b, c, "three days unseen with a ttl of one day: the campaign was forgotten, a new one started");
    const long = await replayJson(folder, { campaigns: { ttlSeconds: 7 * 86_400 }, policy: { holdBulk: false } });
    assert.equal(new Set(long.decisions.map((d) => d.campaign)).size, 1);
    assert.equal(long.campaigns[0]!.firstSeen, new Date(t0).toISOString(), "dates are the messages' dates");
  });
});
