/**
 * The operator's console in a real browser (Debian's Chromium, driven by playwright-core) on `floodgate run` as the
 * milter of a private Postfix: during a flood the campaign shows in the live table within 2 s of its first copy, a
 * click on Block (confirmed) makes the next copy get 550 at the SMTP client, the campaign page shows the sample and
 * who blocked it, and a screenshot of each page is written to test-output/console/. Requests without the login, with
 * a wrong token, or from another origin or Host are refused.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { get as httpGet } from "node:http";
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

/** The status of a GET with the given Host header. */
function statusWithHost(url: string, host: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { host, cookie } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
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

  test("the console refuses a request without the login, with a wrong token, or from another origin or Host", async () => {
    const base = daemon.metricsUrl;
    const login = (headers: Record<string, string>, token = TOKEN) =>
      fetch(`${base}/console/login`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ token, name: "x" }),
      });

    assert.equal((await fetch(`${base}/console/api/overview`)).status, 401, "no session: refused");
    assert.equal((await fetch(`${base}/console/events`)).status, 401, "no session: no live feed");
    const noCookieAction = await fetch(`${base}/console/api/campaigns/000000000000/action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "block", seconds: 60, confirmed: true }),
    });
    assert.equal(noCookieAction.status, 401, "no session: no action");
    assert.equal((await login({}, "wrong-token-wrong-token")).status, 401, "a wrong token is refused");
    assert.equal((await login({ origin: "http://evil.example" })).status, 403, "a login from another origin");
    assert.equal((await login({ "sec-fetch-site": "cross-site" })).status, 403, "a cross-site login");

    const ok = await login({});
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(";")[0] as string;
    assert.equal((await fetch(`${base}/console/api/overview`, { headers: { cookie: session } })).status, 200);
    const foreign = await fetch(`${base}/console/api/overview`, {
      headers: { cookie: session, origin: "http://evil.example" },
    });
    assert.equal(foreign.status, 403, "a session's cookie from another origin's page is refused");
    // fetch() cannot set Host; node:http can, as a DNS-rebinding page's requests would carry it.
    assert.equal(await statusWithHost(`${base}/console/api/overview`, "evil.example", session), 403, "a rebound Host");
    const unconfirmed = await fetch(`${base}/console/api/campaigns/000000000000/action`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/json" },
      body: JSON.stringify({ action: "block", seconds: 60 }),
    });
    assert.equal(unconfirmed.status, 400, "an action without confirmation is refused");
    const asForm = await fetch(`${base}/console/api/shadow`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
      body: "on=true&confirmed=true",
    });
    assert.equal(asForm.status, 415, "a form post (what a cross-site form sends) is refused");
    const logout = await fetch(`${base}/console/logout`, { method: "POST", headers: { cookie: session } });
    assert.equal(logout.status, 200);
    assert.equal((await fetch(`${base}/console/api/overview`, { headers: { cookie: session } })).status, 401);
  });
});
