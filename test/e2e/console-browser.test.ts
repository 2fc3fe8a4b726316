/**
 * The operator's console in a real browser (Debian's Chromium, driven by playwright-core) on `floodgate run` as the
 * milter of a private Postfix: during a flood the campaign shows in the live table within 2 s of its first copy, a
 * click on Block (confirmed) makes the next copy get 550 at the SMTP client, the campaign page shows the sample and
 * who blocked it, and a screenshot of each page is written to test-output/console/. (The refusals of requests without
 * the login, with a wrong token, or from another origin or Host: test/integration/console-http.test.ts.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { buildMessage, sendMail, type SendMailResult } from "../../src/lab/smtp.js";
import { launchChromium, testOutputDir } from "../support/browser.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

const TOKEN = "console-test-token-0123456789";
const USERS = Array.from({ length: 20 }, (_, i) => `user${i}`);
const SUBJECT = "Claim your console-test reward today";
const out = testOutputDir("console");

function copy(i: number) {
  const to = `${USERS[i % USERS.length]}@box.lab`;
  const html = [
    "<html><body><p>Dear customer, our partners picked you for a limited offer on premium watches and designer",
    "bags at prices you will not believe. Claim it before it expires at",
    `<a href="https://deals.example.com/claim?u=${i}">deals.example.com</a>.</p>`,
    `<div style="display:none">salt ${i * 7919} unrelated words to fool the filters</div>`,
    "<p>Thousands of satisfied customers already discovered luxury at a fraction of the price; every item is",
    "inspected by hand, shipped discreetly and covered by our money back guarantee.</p></body></html>",
  ].join("\n");
  const extra = ["MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"];
  const message = buildMessage({ from: "promo@mailer.example.com", to: [to], subject: SUBJECT, body: html, extra });
  return { to, data: message.data };
}

describe("the console in Chromium during a flood through Postfix", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;
  let postfix: PostfixLab;
  let browser: Browser;
  let page: Page;
  let sent = 0;

  const send = async (): Promise<SendMailResult> => {
    const c = copy(sent++);
    return sendMail({ port: postfix.smtpPort, from: "promo@mailer.example.com", to: [c.to], data: c.data });
  };

  before(async () => {
    browser = await launchChromium();
    redis = await startTestRedis();
    daemon = await startDaemonProcess({
      redis: { url: redis.url },
      metrics: { adminToken: TOKEN },
      campaigns: { bulk: { copies: 5, recipients: 5, senders: 1000 } },
      policy: { holdBulk: false },
      scanWorker: { processes: 0, scanners: [{ type: "builtin" }] },
    });
    postfix = await startPostfix({ milter: daemon.milter, defaultAction: "tempfail", users: USERS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await postfix?.stop();
    await daemon?.stop();
    await redis?.stop();
  });

  test("log in with the admin token; the campaign shows within 2 s; Block makes the next copy 550", async () => {
    await page.goto(`${daemon.metricsUrl}/console/`);
    await page.fill("#token", TOKEN);
    await page.fill("#operator", "tester");
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#who:has-text('operator:tester')");
    await page.goto(`${daemon.metricsUrl}/console/#/campaigns`);
    await page.waitForSelector("#live.on");

    const first = await send();
    assert.ok(first.accepted, `the first copy is accepted: ${first.finalCode} ${first.finalText}`);
    const row = page.locator("#campaign-table tr.row", { hasText: SUBJECT });
    await row.waitFor({ timeout: 2000 });
    const id = await row.getAttribute("data-id");
    assert.match(id ?? "", /^[0-9a-f]{12}$/);

    // The flood goes on while the operator looks.
    for (let i = 0; i < 8; i++) assert.ok((await send()).accepted, "copies are accepted before the block");
    const copies = row.locator("td.num").first();
    for (let tries = 0; Number(await copies.textContent()) < 9; tries++) {
      assert.ok(tries < 100, "the table shows the flood's copies as they come");
      await page.waitForTimeout(100);
    }
    await page.screenshot({ path: join(out, "campaigns.png"), fullPage: true });

    await row.locator("button[data-action=block]").click();
    await page.waitForSelector("#confirm[open]");
    await page.selectOption("#block-duration", String(3600));
    await page.fill("#confirm-reason", "flood seen in the console");
    await page.click("#confirm-ok");
    await row.locator("span.ok", { hasText: "block: done" }).waitFor();

    const next = await send();
    assert.equal(next.finalCode, 550, `the next copy is rejected: ${next.finalCode} ${next.finalText}`);
    assert.match(next.finalText, new RegExp(id as string));

    await page.locator(`#campaign-table tr[data-id="${id}"] td.state-blocked`).waitFor();
    await page.click(`#campaign-table tr[data-id="${id}"] td.subject`);
    await page.waitForSelector("#campaign-state.state-blocked");
    const timeline = await page.textContent("#timeline");
    assert.match(timeline ?? "", /block/);
    assert.match(timeline ?? "", /operator:tester/);
    const sample = page.locator("#sample-text");
    await sample.waitFor();
    assert.match((await sample.textContent()) ?? "", /premium watches/);
    assert.match((await page.locator("#sample-text mark.hidden").first().textContent()) ?? "", /unrelated words/);
    await page.screenshot({ path: join(out, "campaign.png"), fullPage: true });

    await page.click("nav a[data-page=overview]");
    await page.waitForSelector("#flow-chart canvas");
    await page.waitForSelector('[data-card="watchdog"]');
    await page.screenshot({ path: join(out, "overview.png"), fullPage: true });
  });
});
