/**
 * End to end through a private Postfix (issue 3, issue 4): `floodgate run` as Postfix's milter, a campaign flooded
 * over SMTP. With the scan workers stopped, the surge past the bulk thresholds is held with 451 4.7.1 at the SMTP
 * client; once a worker scans the campaign (GTUBE: spam), every further copy gets 550 5.7.1 naming the campaign,
 * decided in the fast path. Ham sent meanwhile is delivered with its headers.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { buildMessage, sendMail } from "../../src/lab/smtp.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { CLI, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";

const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
const USERS = Array.from({ length: 40 }, (_, i) => `user${i}`);

function campaignCopy(i: number): { to: string; data: string } {
  const to = `${USERS[i % USERS.length]}@box.lab`;
  const body = [
    `Dear ${USERS[i % USERS.length]},`,
    "",
    "Our exclusive partners have selected you for a limited time offer on premium watches and",
    "designer handbags at prices you will not believe. Click the link below to claim your reward",
    `before it expires: https://deals.example.com/claim?uid=${(i * 7919).toString(16)}&ref=${i}`,
    "",
    "Thousands of satisfied customers around the world have already discovered the secret of luxury at a fraction",
    "of the usual price. Every item in our collection is inspected by hand, shipped in discreet packaging and",
    "covered by our famous money back guarantee, so there is absolutely nothing to lose and everything to gain.",
    "Remember that this invitation is personal, cannot be transferred and will not be repeated this season.",
    "",
    GTUBE,
    "",
    `Reference number ${100000 + i * 37}. To unsubscribe write to ${to}.`,
  ].join("\n");
  return {
    to,
    data: buildMessage({
      from: "promo@mailer.example.com",
      to: [to],
      subject: "Your exclusive reward is waiting",
      body,
    }).data,
  };
}

describe("a flood through Postfix", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;
  let postfix: PostfixLab;
  let worker: ChildProcess | null = null;

  before(async () => {
    redis = await startTestRedis();
    daemon = await startDaemonProcess({
      redis: { url: redis.url },
      campaigns: { bulk: { copies: 5, recipients: 5, senders: 1000 } },
      policy: { holdBulk: true, holdSeconds: 600 },
      scanWorker: { processes: 0, scanners: [{ type: "builtin" }] },
    });
    postfix = await startPostfix({ milter: daemon.milter, defaultAction: "tempfail", users: USERS });
  });

  after(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill("SIGTERM");
      await once(worker, "exit");
    }
    await postfix?.stop();
    await daemon?.stop();
    await redis?.stop();
  });

  /** One copy of the campaign through Postfix, from the campaign's sender. */
  const sendCopy = (copy: { to: string; data: string }) =>
    sendMail({ port: postfix.smtpPort, from: "promo@mailer.example.com", to: [copy.to], data: copy.data });

  test("held with 451 while unscanned, rejected with 550 once the verdict is in", async () => {
    const held: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await sendCopy(campaignCopy(i));
      if (!r.accepted) held.push(`${r.finalCode} ${r.finalText}`);
    }
    assert.ok(held.length >= 5, `the surge past the bulk thresholds is held (held: ${held.length})`);
    for (const h of held) assert.match(h, /^451 4\.7\.1 /);

    // Ham in the middle of the flood is delivered, labelled.
    const ham = buildMessage({
      from: "friend@example.org",
      to: ["user1@box.lab"],
      subject: "lunch",
      body: "See you at noon at the usual place.",
    });
    const hamResult = await sendMail({
      port: postfix.smtpPort,
      from: "friend@example.org",
      to: ["user1@box.lab"],
      data: ham.data,
    });
    assert.ok(hamResult.accepted, `ham accepted: ${hamResult.finalCode} ${hamResult.finalText}`);

    worker = spawn(process.execPath, [CLI, "worker", "--config", daemon.configPath, "--redis", redis.url], {
      stdio: "ignore",
    });
    const deadline = Date.now() + 60_000;
    let last = "";
    let i = 12;
    while (Date.now() < deadline) {
      const copy = campaignCopy(i++);
      const r = await sendCopy(copy);
      last = `${r.finalCode} ${r.finalText}`;
      if (r.finalCode === 550) break;
      if (r.accepted) {
        await new Promise((res) => setTimeout(res, 2000));
        const box = join(postfix.mailbox(copy.to.split("@")[0]!), "new");
        const got = readdirSync(box)
          .map((f) => readFileSync(join(box, f), "utf8").split("\n\n")[0])
          .join("\n---\n");
        assert.fail(`copy ${i - 1} was accepted before the verdict; delivered headers:\n${got}`);
      }
      assert.match(last, /^451 4\.7\.1 /, "until the verdict, copies are held, never accepted");
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.match(last, /^550 5\.7\.1 .*[0-9a-f]{6,}/, "rejected, naming the campaign");
    for (let k = 0; k < 10; k++) {
      const copy = campaignCopy(i++);
      const r = await sendCopy(copy);
      assert.equal(r.finalCode, 550, `every further copy is rejected: ${r.finalText}`);
    }

    const box = join(postfix.mailbox("user1"), "new");
    const delivered = readdirSync(box).map((f) => readFileSync(join(box, f), "utf8"));
    const hamCopy = delivered.find((m) => m.includes("Subject: lunch"));
    assert.ok(hamCopy, "the ham message was delivered");
    assert.match(hamCopy, /^X-Floodgate-Campaign: [0-9a-f]+; copies=1; recipients=1$/m);
    assert.match(hamCopy, /^X-Floodgate-Status: continue; /m);
    const deliveredCopies = USERS.flatMap((u) => {
      const dir = join(postfix.mailbox(u), "new");
      return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8")) : [];
    }).filter((m) => m.includes("GTUBE"));
    assert.equal(deliveredCopies.length, 12 - held.length, "only the copies before the surge were delivered");
    for (const m of deliveredCopies) assert.match(m, /^X-Floodgate-Status: continue; new$/m);
    assert.doesNotMatch(postfix.maillog(), /milter.*default action|milter-reject: .*Service unavailable/i);
  });
});
