/**
 * `floodgate run` with a real Redis, driven by src/client: 10,000 copies of one campaign are recognised as one;
 * after `floodgate block`, every further copy is rejected; Redis stopped in the middle: mail keeps flowing under the
 * fail mode with a header saying so, and matching resumes when Redis is back (issue 3).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MilterClient, type TestMessage } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { metricValue, runCli, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { campaignBase, campaignVariants } from "../../src/lab/campaign-variants.js";
import { loadSpam } from "../../src/lab/corpus.js";

const header = (r: Awaited<ReturnType<MilterClient["transaction"]>>, name: string) =>
  r.eom?.modifications.find((m) => m.kind === "addHeader" && m.name === name && "value" in m)?.["value" as never] as
    string | undefined;

describe("floodgate run: a flood of one campaign", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;
  let variants: TestMessage[];
  let likeFile: string;

  before(async () => {
    redis = await startTestRedis();
    daemon = await startDaemonProcess({
      redis: { url: redis.url, commandTimeoutMs: 200 },
      // Counting only: no bulk hold and no scan, so the test sees the fast path alone.
      policy: { holdBulk: false, dependencyFailMode: "continue" },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
    });
    const spam = loadSpam({ limit: 40 }).find((m) => m.bytes.length > 2000 && m.bytes.length < 8000)!;
    const base = await campaignBase(spam.bytes);
    const copies = campaignVariants(base, 200, { seed: 7 });
    variants = copies.map((v) => rawToTestMessage(v.message, "offers@bulk.example.com", [v.recipient.address]));
    likeFile = join(mkdtempSync(join(tmpdir(), "fg-like-")), "sample.eml");
    writeFileSync(likeFile, copies[0]!.message);
  });

  after(async () => {
    const code = await daemon?.stop();
    await redis?.stop();
    assert.equal(code, 0, `floodgate run exited cleanly on SIGTERM:\n${daemon?.logs().slice(-2000)}`);
  });

  /** Send `total` copies over `sessions` concurrent sessions; return each result. */
  async function flood(total: number, sessions: number) {
    const results: Awaited<ReturnType<MilterClient["transaction"]>>[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: sessions }, async () => {
        const client = await MilterClient.connect(daemon.milter);
        await client.open();
        while (next < total) {
          const i = next++;
          results.push(await client.transaction(variants[i % variants.length]!));
        }
        await client.quit();
      }),
    );
    return results;
  }

  test("10,000 copies land in one campaign, then a block rejects every further copy", async () => {
    const results = await flood(10_000, 20);
    const ids = new Map<string, number>();
    for (const r of results) {
      assert.equal(r.eom?.action, "continue");
      const id = header(r, "X-Floodgate-Campaign")?.trim().split(";")[0];
      assert.ok(id, "every message carries X-Floodgate-Campaign");
      ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    const [topId, topCount] = [...ids.entries()].sort((a, b) => b[1] - a[1])[0]!;
    console.log(`campaigns: ${ids.size}; the largest holds ${topCount} of 10000`);
    assert.ok(topCount >= 9900, `at least 99% of copies in one campaign (got ${topCount}, ${ids.size} campaigns)`);

    const blocked = await runCli([
      "block",
      "--like",
      likeFile,
      "--ttl",
      "1h",
      "--redis",
      redis.url,
      "--config",
      daemon.configPath,
    ]);
    assert.equal(blocked.code, 0, blocked.stderr);
    assert.match(blocked.stdout, new RegExp(topId));

    const after = await flood(500, 10);
    for (const r of after) {
      assert.equal(r.eom?.action, "replyCode");
      assert.match(r.eom.reply!, new RegExp(`^550 5\\.7\\.1 .*${topId}`));
    }
    const unblocked = await runCli(["unblock", topId, "--redis", redis.url, "--config", daemon.configPath]);
    assert.equal(unblocked.code, 0, unblocked.stderr);
    const again = await flood(50, 5);
    assert.ok(again.every((r) => r.eom?.action === "continue"));
  });

  test("Redis stopped in the middle: mail flows under the fail mode, labelled; matching resumes after", async () => {
    await redis.pause();
    const during = await flood(300, 10);
    for (const r of during) {
      assert.equal(r.eom?.action, "continue", "fail mode continue: nothing is rejected or lost");
      assert.match(header(r, "X-Floodgate-Status") ?? "", /^ ?skipped; reason=redis-(timeout|down|error)/);
    }
    assert.ok((await metricValue(daemon.metricsUrl, "floodgate_fail_mode_total")) >= 300);
    await redis.resume();
    const deadline = Date.now() + 30_000;
    let resumed = false;
    while (!resumed && Date.now() < deadline) {
      const [r] = await flood(1, 1);
      resumed = /^ ?continue/.test(header(r!, "X-Floodgate-Status") ?? "") && !!header(r!, "X-Floodgate-Campaign");
      if (!resumed) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(resumed, "matching resumed once Redis was back");
  });
});
