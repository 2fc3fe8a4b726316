/**
 * The console's campaign page in a real browser (Debian's Chromium, driven by playwright-core) on `floodgate run`:
 * what a ham verdict covers (README, "What a ham verdict covers"). The verdicts are recorded through the real campaign
 * store on the daemon's redis-server as the scan worker records them: a ham verdict with its copy's links, then a
 * variant's spam verdict on a link it added. The page lists the covered entries and the refused ones, at most 20 of
 * each with how many more, each exactly as stored and set as text (the entries are what senders linked to); a
 * verdict recorded without links says it covers every copy; a campaign without a verdict shows no cover.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { Cluster, Redis } from "ioredis";
import { defaultConfig } from "../../src/config/schema.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { createCampaignStore, type RedisCampaignStore } from "../../src/reputation/store.js";
import type { ScanVerdict } from "../../src/reputation/types.js";
import { launchChromium, testOutputDir } from "../support/browser.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, storeConnection, uniquePrefix, type TestRedis } from "../support/redis.js";
import { stopInOrder } from "../support/cleanups.js";

const TOKEN = "console-cover-token-0123456789";
const out = testOutputDir("console");

const verdict = (kind: ScanVerdict["verdict"]): ScanVerdict => ({
  verdict: kind,
  score: kind === "spam" ? 12 : 0,
  scanner: "spamd",
  threshold: 5,
  rules: kind === "spam" ? ["BAD_LINK"] : [],
  at: Date.now(),
});

/** Entries a sender wrote, which the page must show as text: markup, and an entry that is not a domain. */
const MARKUP = "<b>bold.example</b>";
const SCRIPTED = "<img/src=x/onerror=window.pwned=1>";
const COVERED = [MARKUP, "attachment:.pdf", "shop.example", ...Array.from({ length: 24 }, (_, i) => `d${i}.example`)];

describe("the console shows what a ham verdict covers (Chromium, real store)", () => {
  let redis: TestRedis;
  let connection: Redis | Cluster;
  let store: RedisCampaignStore;
  let daemon: DaemonProcess;
  let browser: Browser;
  let page: Page;
  const prefix = uniquePrefix("cover");

  before(async () => {
    browser = await launchChromium();
    redis = await startTestRedis();
    connection = await storeConnection(redis.url);
    store = createCampaignStore(connection, { prefix, campaigns: defaultConfig().campaigns, closeConnection: false });
    daemon = await startDaemonProcess({
      redis: { url: redis.url, prefix },
      metrics: { adminToken: TOKEN },
      scanWorker: { processes: 0 },
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${daemon.metricsUrl}/console/`);
    await page.fill("#token", TOKEN);
    await page.fill("#operator", "tester");
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#who:has-text('operator:tester')");
  });

  after(async () => {
    connection?.disconnect();
    await stopInOrder(browser, daemon, redis);
  });

  /** A campaign of its own in the daemon's store. */
  const campaign = async (subject: string) =>
    (
      await store.observe({
        fingerprint: syntheticFingerprint({ subject }),
        sender: "news@shop.example",
        recipients: ["reader@rcpt.test"],
        clientIp: null,
      })
    ).id;

  /** Open a campaign's page and wait until it shows that campaign. */
  const open = async (id: string) => {
    await page.goto(`${daemon.metricsUrl}/console/#/campaign/${id}`);
    await page.waitForSelector(`#campaign h2 code:has-text("${id}")`);
  };

  const items = (list: string) => page.locator(`${list} li`).allTextContents();

  test("a ham verdict's covered and refused entries, bounded, as text; a verdict without links covers all", async () => {
    const scoped = await campaign("Spring seedlings are here");
    await store.recordVerdict(scoped, verdict("ham"), { links: COVERED, complete: true });
    // A variant's scan: a copy that added bad.example (and a scripted entry) called spam judges only those.
    const variant = ["shop.example", "bad.example", SCRIPTED];
    await store.recordVerdict(scoped, verdict("spam"), { links: variant, complete: true });
    const stored = await store.get(scoped);
    assert.deepEqual(stored?.links.spam, ["bad.example", SCRIPTED], "the variant's links are refused");
    assert.equal(stored?.state, "ham");

    await open(scoped);
    await page.waitForSelector("#verdict-cover");
    const covered = await items("#verdict-covered");
    assert.deepEqual(covered, [...COVERED.slice(0, 20), `and ${COVERED.length - 20} more`]);
    assert.deepEqual(await items("#verdict-refused"), ["bad.example", SCRIPTED]);
    assert.equal(await page.locator("#verdict-cover b, #verdict-cover img").count(), 0, "entries are set as text");
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
    assert.equal(await page.locator("#verdict-covers-all").count(), 0);
    await page.screenshot({ path: join(out, "campaign-cover.png"), fullPage: true });

    const everyCopy = await campaign("Autumn bulbs are here");
    await store.recordVerdict(everyCopy, verdict("ham"));
    await open(everyCopy);
    assert.match((await page.textContent("#verdict-covers-all")) ?? "", /^Every copy, whatever it links to/);
    assert.equal(await page.locator("#verdict-covered, #verdict-refused").count(), 0);

    const unjudged = await campaign("Winter pruning tools");
    await open(unjudged);
    await page.waitForSelector("#timeline");
    assert.equal(await page.locator("#verdict-cover").count(), 0, "no cover without a ham verdict");
  });
});
