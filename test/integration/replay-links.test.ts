/**
 * `floodgate replay` and what a ham verdict covers (README, "What a ham verdict covers"), on the real fingerprint pool
 * and campaign store on a real redis-server; the scanner is a small fake that calls a message spam when it links to
 * bad.example, so that what is tested is which verdict each replayed copy gets, not a scanner's judgement.
 *
 * A replayed ham verdict covers the links of the copy it judged: a copy of the same text linking elsewhere is decided
 * as unjudged (`links=unscanned`, bulk yet not held) and scanned at most once each `queue.rescanNewLinksSeconds` of
 * message time; once a scan called the switched link spam, later copies carrying it are refused (`links=spam`) while
 * the covered copies still pass. The replay counts those copies per campaign and in its text report.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema } from "../../src/config/schema.js";
import { replay, type ReplayReport } from "../../src/replay/replay.js";
import { formatReplay } from "../../src/replay/report.js";
import { badLinkScanner, gardenCopy } from "../support/garden-copies.js";
import { useStoreRedis } from "../support/redis.js";

const T0 = Date.UTC(2024, 3, 2, 9, 0, 0);

/** A folder of .eml files, one per [link, seconds after T0]. */
function folderOf(copies: Array<[string, number]>): string {
  const dir = mkdtempSync(join(tmpdir(), "fg-replay-links-"));
  copies.forEach(([link, seconds], i) =>
    writeFileSync(
      join(dir, `${String(i).padStart(3, "0")}.eml`),
      gardenCopy(link, i, { date: new Date(T0 + seconds * 1000) }),
    ),
  );
  return dir;
}

void describe("floodgate replay: what a ham verdict covers (real Redis and pool)", () => {
  const db = useStoreRedis();

  async function replayed(copies: Array<[string, number]>, rescanNewLinksSeconds: number) {
    const scanner = badLinkScanner();
    const config = configSchema.parse({
      fingerprint: { threads: 1 },
      queue: { rescanNewLinksSeconds },
      // Bulk from the third copy, held as bulk without a verdict for 10 minutes.
      campaigns: { bulk: { copies: 3, recipients: 1000, senders: 1000 } },
      policy: { holdBulk: true, holdSeconds: 600 },
    });
    const report: ReplayReport = await replay(folderOf(copies), {
      config,
      redisUrl: db.server.url,
      scan: true,
      limit: Infinity,
      scanners: [scanner],
    });
    return { report, scanner, statuses: report.decisions.map((d) => d.status) };
  }

  void test("a replayed ham verdict does not cover a copy linking elsewhere; a link a scan called spam is refused", async () => {
    const { report, scanner, statuses } = await replayed(
      [
        ["shop.example", 0],
        ["shop.example", 60], // the campaign's first scan: ham, covering shop.example
        ["other.example", 90], // 30 s after that scan: not scanned again yet
        ["bad.example", 150], // 90 s after it: scanned, and its scan calls bad.example spam
        ["bad.example", 160],
        ["shop.example", 170],
        ["other.example", 230], // 80 s after the last scan: scanned, ham, covered from then on
        ["other.example", 240],
      ],
      60,
    );
    const ham = "continue; ham; scanner=test score=0 threshold=5";
    assert.deepEqual(statuses, [
      "continue; new",
      ham,
      "continue; bulk; links=unscanned",
      "reject; campaign-spam; scanner=test score=12 threshold=5 links=unscanned",
      "reject; campaign-spam; links=spam",
      ham,
      `${ham} links=unscanned`,
      ham,
    ]);
    assert.equal(new Set(report.decisions.map((d) => d.campaign)).size, 1, "the same text is one campaign");
    assert.deepEqual(scanner.scans, ["shop.example ham", "bad.example spam", "other.example ham"]);
    const [campaign] = report.campaigns;
    assert.ok(campaign);
    assert.deepEqual(
      { held: campaign.held, rejected: campaign.rejected, passed: campaign.passed, links: campaign.links },
      { held: 0, rejected: 2, passed: 6, links: { unscanned: 3, spam: 1 } },
    );
    assert.equal(campaign.verdict?.verdict, "ham", "the variant's spam verdict judged its link, not the campaign");
    const text = formatReplay(report, { all: true });
    assert.match(text, /links outside the ham verdict: unscanned 3, spam 1/);
    assert.match(text, /a copy carrying others is scanned at most once each 60 s/);
  });

  void test("rescanNewLinksSeconds 0: the replayed ham verdict covers every copy", async () => {
    const { report, scanner, statuses } = await replayed(
      [
        ["shop.example", 0],
        ["shop.example", 60],
        ["bad.example", 150],
        ["other.example", 160],
      ],
      0,
    );
    assert.deepEqual(statuses.slice(1), Array(3).fill("continue; ham; scanner=test score=0 threshold=5"));
    assert.deepEqual(scanner.scans, ["shop.example ham"]);
    assert.deepEqual(report.campaigns[0]?.links, { unscanned: 0, spam: 0 });
    assert.doesNotMatch(formatReplay(report, { all: true }), /links outside/);
  });
});
