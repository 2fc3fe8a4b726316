/**
 * The operator's console in a real browser (Debian's Chromium, driven by playwright-core) on `floodgate run` as the
 * milter of a private Postfix with the hold queue (`policy.holdMode: quarantine`, the real hold-queue helper): during
 * a flood the campaign shows in the live table within 2 s of its first copy, a click on Block (confirmed) makes the
 * next copy get 550 at the SMTP client, the campaign page shows who blocked it and the sample's text exactly as
 * `floodgate fingerprint --explain` gives it (the text/plain part the fingerprint reads too, the hidden part marked),
 * the Overview's mail flow counts the copies passed, held in the hold queue and rejected apart (the chart's legend
 * names `held`), and a screenshot of each page is written to test-output/console/. (The refusals of requests without
 * the login, with a wrong token, or from another origin or Host: test/integration/console-http.test.ts.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { buildMessage, sendMail, type SendMailResult } from "../../src/lab/smtp.js";
import { launchChromium, testOutputDir } from "../support/browser.js";
import { runCli, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startHoldHelper, type HoldHelperProcess } from "../support/hold-helper.js";
import { freePort } from "../../src/util/tcp-port.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { stopInOrder } from "../support/cleanups.js";

const TOKEN = "console-test-token-0123456789";
const USERS = Array.from({ length: 20 }, (_, i) => `user${i}`);
const SUBJECT = "Claim your console-test reward today";
const INTRO = "A note from the partners programme before the offer below";
/** Copies 1 to 4 pass; from the fifth the campaign is bulk and its copies are held. */
const BULK_AT = 5;
const out = testOutputDir("console");

/** A copy: a text/plain note then the HTML offer (multipart/mixed: a reader sees both, and the fingerprint reads
 * both), with a hidden salt. */
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
  const body = [
    "--PART",
    "Content-Type: text/plain; charset=utf-8",
    "",
    INTRO,
    "--PART",
    "Content-Type: text/html; charset=utf-8",
    "",
    html,
    "--PART--",
  ].join("\r\n");
  const extra = ["MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="PART"'];
  const message = buildMessage({ from: "promo@mailer.example.com", to: [to], subject: SUBJECT, body, extra });
  return { to, data: message.data };
}

/** The text `floodgate fingerprint --explain` shows of a message (its `  | ` lines). */
async function explainedText(message: string): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), "fg-console-explain-")), "sample.eml");
  writeFileSync(file, message);
  const r = await runCli(["fingerprint", "--explain", file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith("the text a reader sees"));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith("  | "));
  return lines
    .slice(start + 1, end)
    .map((l) => l.slice(4))
    .join("\n");
}

describe("the console in Chromium during a flood through Postfix", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;
  let postfix: PostfixLab;
  let helper: HoldHelperProcess;
  let browser: Browser;
  let page: Page;
  const sent: string[] = [];

  const send = async (): Promise<SendMailResult> => {
    const c = copy(sent.length);
    sent.push(c.data);
    return sendMail({ port: postfix.smtpPort, from: "promo@mailer.example.com", to: [c.to], data: c.data });
  };

  before(async () => {
    browser = await launchChromium();
    redis = await startTestRedis();
    const milterPort = await freePort();
    postfix = await startPostfix({
      milter: `inet:127.0.0.1:${milterPort}`,
      defaultAction: "tempfail",
      users: USERS,
    });
    helper = await startHoldHelper({ postfixConfig: postfix.configDir });
    daemon = await startDaemonProcess(
      {
        redis: { url: redis.url },
        metrics: { adminToken: TOKEN },
        campaigns: { bulk: { copies: BULK_AT, recipients: BULK_AT, senders: 1000 } },
        policy: { holdMode: "quarantine", holdSeconds: 600 },
        hold: { helperSocket: helper.socket, host: "console-lab", sweepIntervalMs: 200 },
        mtaQueue: { mta: "postfix", command: ["/usr/sbin/postqueue", "-c", postfix.configDir, "-j"] },
        scanWorker: { processes: 0, scanners: [{ type: "builtin" }] },
      },
      { milterPort },
    );
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  after(() => stopInOrder(browser, daemon, helper, postfix, redis));

  /** A console API answer, fetched by the page with its session cookie. */
  const getJson = <T>(path: string): Promise<T> =>
    page.evaluate(async (p) => (await fetch(p)).json(), path) as Promise<T>;

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
    const shown = (await sample.textContent()) ?? "";
    assert.match(shown, /premium watches/);
    assert.match(shown, new RegExp(INTRO), "the text/plain part the fingerprint reads is shown too");
    assert.match((await page.locator("#sample-text mark.hidden").first().textContent()) ?? "", /unrelated words/);
    // The sample's text is --explain's: find which copy was kept (its link), then compare with what --explain says.
    const detail = await getJson<{ samples: { message: { text: string } | null } }>(`/console/api/campaigns/${id}`);
    const text = detail.samples.message?.text ?? "";
    const kept = sent.findIndex((_, i) => text.includes(`claim?u=${i}]`));
    assert.ok(kept >= 0, `the sample is one of the copies sent: ${text}`);
    assert.equal(text.trim(), (await explainedText(sent[kept]!)).trim(), "the text is fingerprint --explain's");
    await page.screenshot({ path: join(out, "campaign.png"), fullPage: true });

    // Copies 1 to 4 passed, the next 5 were held in Postfix's hold queue, the one after the block was rejected.
    type Flow = { flow: { series: Record<string, number[]> } };
    const sum = (f: Flow, s: string) => (f.flow.series[s] ?? []).reduce((a, b) => a + b, 0);
    const expected = { continue: BULK_AT - 1, held: 9 - (BULK_AT - 1), reject: 1 };
    let flow = await getJson<Flow>("/console/api/overview");
    for (let tries = 0; sum(flow, "reject") < 1 && tries < 50; tries++) {
      await page.waitForTimeout(100);
      flow = await getJson<Flow>("/console/api/overview");
    }
    assert.deepEqual(
      { continue: sum(flow, "continue"), held: sum(flow, "held"), reject: sum(flow, "reject") },
      expected,
      JSON.stringify(flow.flow.series),
    );
    await page.click("nav a[data-page=overview]");
    await page.waitForSelector("#flow-chart canvas");
    await page.waitForSelector('[data-card="watchdog"]');
    const legend = (await page.locator("#flow-chart .u-legend").textContent()) ?? "";
    assert.match(legend, /\bheld\b/, `the chart's legend names the held copies: ${legend}`);
    await page.screenshot({ path: join(out, "overview.png"), fullPage: true });
  });
});
