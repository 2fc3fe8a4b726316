/**
 * Verdicts an operator can trust, end to end through a private Postfix with `floodgate run` on its defaults (its
 * private Redis and its private spamd): copies of a campaign are refused once spamd judges it spam; a campaign the
 * operator reports (`floodgate report spam` of a delivered copy) is refused on its next copy; mailbox users' reports
 * through the Dovecot IMAPSieve pipe script of deploy/dovecot, run as another user with the report-only token, decide
 * once enough distinct users report, but their ham, even reported before the first copy, never clears a campaign
 * spamd judges spam; a pinned campaign (`floodgate allow`) is never held; every relabel is in the
 * campaign's history; a copy linking where the campaign's ham verdict did not is scanned on its own, and refused once
 * that scan says spam while the copies the verdict covered still pass. With the built-in rules as the scanner, a
 * campaign they score low stays unjudged (held when bulk), never ham.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { headerValues, readMaildir, waitForMessage, type DeliveredMessage } from "../../src/lab/maildir.js";
import { buildMessage, sendMail, type SendMailResult } from "../../src/lab/smtp.js";
import { findUser, findGroupId } from "../../src/state/service-user.js";
import { projectRoot } from "../../src/util/paths.js";
import { CLI, metricValue, runCli, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { stopInOrder } from "../support/cleanups.js";

const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
// Names of one length: the copies of a campaign differ only in the recipient's name and a reference number.
const USERS = Array.from({ length: 30 }, (_, i) => `user${i + 10}`);
const PIPE_SCRIPT = join(projectRoot, "deploy/dovecot/floodgate-report.sh");

/** Paragraphs of a campaign's body; each campaign has its own, so that no two campaigns match. */
const TEXTS: Record<string, string> = {
  gtube: `Claim the prize you have already won: our partners picked your address.\n\n${GTUBE}`,
  catalogue:
    "Our spring catalogue is out. This season we have new garden furniture in teak and aluminium, planters in " +
    "every size, outdoor lighting that charges itself in the sun, and a range of tools designed with gardeners " +
    "who told us what they needed. Order before the end of the month and delivery is on us.",
  newsletter:
    "This week in the neighbourhood association: the street fair committee meets on Thursday evening in the " +
    "library, the recycling collection moves to Tuesdays from next month, and volunteers are still wanted for the " +
    "park clean-up on Saturday morning. Minutes of the last meeting are on the notice board.",
  webinar:
    "Join our free webinar on migrating a small office to the cloud. We will cover choosing a provider, moving " +
    "mail and shared folders, and keeping backups you can restore. Seats are limited, so register today and bring " +
    "your questions: our engineers answer them live at the end of the session.",
  prize:
    "Good news from the rewards desk: a gift card worth five hundred is reserved in your name, waiting only for " +
    `you to confirm the delivery address.\n\n${GTUBE}`,
  garden:
    "The garden centre opens its glasshouse again this weekend. Seedlings raised by local growers are ready for " +
    "planting once the nights stay mild: tomatoes, peppers, three kinds of basil and the heritage beans that sold " +
    "out last season. Bring your own trays and we fill them at the old prices; our staff answer questions about " +
    "pests, poor soil and balconies that only get the morning sun.",
  statement:
    "Your account statement for the month is attached as a PDF. It lists every payment, the interest earned on " +
    "your savings and the standing orders that will run next month. If a payment looks unfamiliar, call the number " +
    "on the back of your card; we never ask for your password or a code by mail.",
  lottery:
    "Your ticket number was drawn in the international online sweepstakes. To release the funds to your account, " +
    "reply with your full name, date of birth and bank details. The processing fee is deducted from your winnings, " +
    "so there is nothing to pay now. Keep this notice confidential until the claim is settled.",
};

/** Copy `i` of a campaign: its own recipient, greeting and tracking number. */
function copyOf(campaign: string, i: number): { to: string; from: string; data: string } {
  const user = USERS[i % USERS.length]!;
  const to = `${user}@box.lab`;
  const from = `news@${campaign}.example.com`;
  const body = `Dear ${user},\n\n${TEXTS[campaign]}\n\nReference ${campaign}-${100000 + i * 7919}\n`;
  return { to, from, data: buildMessage({ from, to: [to], subject: `About ${campaign}`, body }).data };
}

interface View {
  id: string;
  state: string;
  verdict: { verdict: string; scanner: string } | null;
  decision: { how: string; by: string } | null;
}

void describe("verdicts through Postfix with the private spamd", () => {
  let daemon: DaemonProcess;
  let postfix: PostfixLab;
  let stateDir: string;
  const sent: Record<string, number> = {};
  const send = (campaign: string): Promise<SendMailResult> => {
    const copy = copyOf(campaign, (sent[campaign] = (sent[campaign] ?? 0) + 1));
    return sendMail({ port: postfix.smtpPort, from: copy.from, to: [copy.to], data: copy.data });
  };
  /** Send copies of a campaign until one is refused (550), within two minutes; the refusal. */
  const sendUntilRefused = async (campaign: string, what: string): Promise<SendMailResult> => {
    let last: SendMailResult | null = null;
    await pollUntil(
      what,
      async () => {
        last = await send(campaign);
        return last.finalCode === 550;
      },
      120_000,
      250,
    );
    return last!;
  };
  const cli = (...args: string[]) => runCli([...args, "--config", daemon.configPath]);
  const campaigns = async (): Promise<View[]> => JSON.parse((await cli("campaigns", "--json")).stdout) as View[];
  /** The delivered copies of a campaign. */
  const delivered = (campaign: string): DeliveredMessage[] =>
    USERS.flatMap((u) => readMaildir(postfix.mailbox(u))).filter((m) =>
      headerValues(m, "subject").includes(`About ${campaign}`),
    );
  const deliveredCopy = async (campaign: string) =>
    waitForMessage(
      () => delivered(campaign),
      () => true,
      { describe: () => postfix.maillog() },
    );
  const campaignId = (m: DeliveredMessage) =>
    /^([0-9a-f]+);/.exec(headerValues(m, "x-floodgate-campaign")[0] ?? "")?.[1];
  /** Run deploy/dovecot/floodgate-report.sh as Dovecot would: another user, the message on standard input. */
  const pipeReport = (label: "spam" | "ham", user: string, message: string | Buffer) => {
    const nobody = findUser("nobody");
    const nogroup = findGroupId("nogroup");
    assert.ok(nobody && nogroup !== null, "the nobody user and the nogroup group exist");
    return spawnSync(PIPE_SCRIPT, [label, user], {
      input: message,
      encoding: "utf8",
      uid: nobody.uid,
      gid: nogroup,
      env: {
        PATH: process.env["PATH"],
        FLOODGATE: `${process.execPath} ${CLI}`,
        FLOODGATE_TOKEN_FILE: join(stateDir, "reporter", "token"),
        FLOODGATE_OPS: daemon.metricsUrl,
      },
    });
  };

  before(async () => {
    const parent = mkdtempSync(join(tmpdir(), "fg-verdicts-"));
    chmodSync(parent, 0o711);
    stateDir = join(parent, "state");
    daemon = await startDaemonProcess(
      {
        campaigns: { bulk: { copies: 4, recipients: 4, senders: 1000 } },
        policy: { holdBulk: true, holdSeconds: 600 },
        queue: { rescanNewLinksSeconds: 1 },
        reports: { reporters: 2, perReporterPerHour: 3, group: "nogroup" },
      },
      { stateDir },
    );
    await pollUntil(
      "the scan worker process scanning with the private spamd",
      () => daemon.logs().includes(`"msg":"scanning with spamd, builtin"`),
      120_000,
    );
    postfix = await startPostfix({ milter: daemon.milter, defaultAction: "tempfail", users: USERS });
  });

  after(() => stopInOrder(postfix, daemon));

  void test("copies of a campaign are refused once spamd judges it spam", async () => {
    const last = await sendUntilRefused("gtube", "a copy refused on spamd's verdict");
    assert.match(`${last.finalCode} ${last.finalText}`, /^550 5\.7\.1 .*[0-9a-f]{6,}/);
    for (let k = 0; k < 5; k++) assert.equal((await send("gtube")).finalCode, 550, "every further copy");
    const view = (await campaigns()).find((c) => c.verdict?.scanner === "spamd" && c.state === "spam");
    assert.ok(view, "floodgate campaigns shows the campaign judged spam by spamd");
  });

  void test("a campaign the operator reports is refused on its next copy; the report is in its history", async () => {
    assert.ok((await send("catalogue")).accepted, "the first copy is delivered");
    const copy = await deliveredCopy("catalogue");
    const fingerprinted = (source: string) =>
      metricValue(daemon.metricsUrl, "floodgate_fingerprints_total", { outcome: "ok", source });
    const [mail, reports] = [await fingerprinted("mail"), await fingerprinted("report")];
    const report = await cli("report", "spam", copy.file, "--reason", "customers complain");
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /: decided; state spam; .*learn queued/);
    assert.equal(await fingerprinted("report"), reports + 1, "the report's message counted as a report's");
    assert.equal(await fingerprinted("mail"), mail, "and not as mail");
    const next = await send("catalogue");
    assert.equal(next.finalCode, 550, `${next.finalCode} ${next.finalText}`);
    const id = campaignId(copy)!;
    const history = await cli("history", id);
    assert.match(history.stdout, /operator:\S+ {2}decide spam -> spam {2}customers complain/);
    await pollUntil(
      "spamd taught the report",
      () => /"learnt":\["spamd"\].*"msg":"scanners taught a report"/.test(daemon.logs()),
      60_000,
    );

    const undo = await cli("report", "--undo", "spam", copy.file);
    assert.match(undo.stdout, /: undecided; /, undo.stdout + undo.stderr);
    assert.ok(!(await campaigns()).some((c) => c.id === id && c.decision !== null), "the decision is gone");
  });

  void test("mailbox users' reports through the IMAPSieve pipe script decide once two distinct users report", async () => {
    const nobody = findUser("nobody");
    const nogroup = findGroupId("nogroup");
    assert.ok(nobody && nogroup !== null, "the nobody user and the nogroup group exist");
    assert.ok((await send("lottery")).accepted);
    const copy = await deliveredCopy("lottery");
    const pipe = (user: string) => pipeReport("spam", user, copy.raw);
    const first = pipe("user1@box.lab");
    assert.equal(first.status, 0, first.stderr);
    assert.match(
      first.stdout,
      /stdin: campaign \w+: counted; state (new|bulk|ham); reports spam=1 ham=0; learn queued/,
    );
    const again = pipe("User1@box.lab");
    assert.match(again.stdout, /: duplicate; /, "one user counts once");
    const second = pipe("user2@box.lab");
    assert.match(second.stdout, /: counted; state spam; reports spam=2 /, second.stdout + second.stderr);
    const view = (await campaigns()).find((c) => c.id === campaignId(copy));
    assert.equal(view?.decision?.how, "reporters");
    assert.equal((await send("lottery")).finalCode, 550);

    const token = spawnSync("cat", [join(stateDir, "reporter", "token")], { uid: nobody.uid, gid: nogroup });
    assert.equal(token.status, 0, "the mail system's group reads the report-only token");
    const shadow = await fetch(`${daemon.metricsUrl}/shadow?on=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${String(token.stdout).trim()}` },
    });
    assert.equal(shadow.status, 401, "the report-only token can report and nothing else");
    const admin = spawnSync("cat", [join(stateDir, "admin-token")], { uid: nobody.uid, gid: nogroup });
    assert.notEqual(admin.status, 0, "the admin token stays unreadable to it");

    for (let k = 0; k < 3; k++) pipe("user3@box.lab");
    const limited = pipe("user3@box.lab");
    assert.match(limited.stdout, /: rate-limited; /, limited.stdout + limited.stderr);
  });

  void test("a sender's own mailboxes reporting ham do not clear a campaign spamd judges spam", async () => {
    // The sender holds reports.reporters (2) mailboxes on the platform and marks its campaign ham before sending it.
    const unsent = copyOf("prize", 0).data;
    const first = pipeReport("ham", "owner1@box.lab", unsent);
    assert.match(
      first.stdout,
      /: counted; state new; reports spam=0 ham=1; learn withheld/,
      first.stdout + first.stderr,
    );
    const second = pipeReport("ham", "owner2@box.lab", unsent);
    assert.match(
      second.stdout,
      /: counted; state ham; reports spam=0 ham=2; learn queued/,
      second.stdout + second.stderr,
    );
    const last = await sendUntilRefused("prize", "a copy refused on spamd's verdict despite the users' ham");
    assert.match(`${last.finalCode} ${last.finalText}`, /^550 5\.7\.1 .*was found to be spam/);
    const view = (await campaigns()).find((c) => c.state === "spam" && c.decision?.how === "reporters");
    assert.equal(view?.verdict?.scanner, "spamd", "spamd's verdict judges it; the users' decision is kept beside");
    const passed = delivered("prize").map((m) => headerValues(m, "x-floodgate-status")[0]);
    for (const status of passed) assert.match(String(status), /^continue; ham; by=reporters$/);
    const third = pipeReport("ham", "owner3@box.lab", unsent);
    assert.match(third.stdout, /: counted; state spam; reports spam=0 ham=3; learn withheld/, "spamd is not taught it");
  });

  void test("a pinned campaign is never held, whatever the scanner says; unpinning is in its history", async () => {
    assert.ok((await send("newsletter")).accepted);
    const id = campaignId(await deliveredCopy("newsletter"))!;
    const allowed = await cli("allow", id, "--reason", "the association's newsletter");
    assert.equal(allowed.code, 0, allowed.stderr);
    for (let k = 0; k < 12; k++) {
      const r = await send("newsletter");
      assert.ok(r.accepted, `copy ${k} past the bulk thresholds is delivered: ${r.finalCode} ${r.finalText}`);
    }
    await pollUntil("12 more copies delivered", () => delivered("newsletter").length >= 13, 30_000);
    const statuses = delivered("newsletter")
      .slice(1)
      .map((m) => headerValues(m, "x-floodgate-status")[0]);
    for (const s of statuses) assert.equal(s, "continue; ham; by=pin");
    const unpinned = await cli("unpin", id);
    assert.equal(unpinned.code, 0, unpinned.stderr);
    const history = (await cli("history", id)).stdout;
    assert.match(history, /operator:\S+ {2}undecide ham -> \w+ {2}unpinned/);
    assert.match(history, /decide ham -> ham {2}the association's newsletter/);
  });

  /**
   * A bait and switch (README, "What a ham verdict covers"): two bait copies of a campaign, spamd's ham verdict on it,
   * then switched copies, the first delivered labelled `links=unscanned`, a later one refused on its own scan, while
   * bait copies still arrive as ham. `send` sends one copy of either kind; the copies' subject is `subject`. Returns
   * the campaign's id.
   */
  const baitAndSwitch = async (subject: string, send: (kind: "bait" | "switched") => Promise<SendMailResult>) => {
    const copies = () =>
      USERS.flatMap((u) => readMaildir(postfix.mailbox(u))).filter((m) => headerValues(m, "subject").includes(subject));
    const statusOf = (m: DeliveredMessage) => headerValues(m, "x-floodgate-status")[0] ?? "";
    assert.ok((await send("bait")).accepted);
    assert.ok((await send("bait")).accepted, "the second copy queues the campaign's scan");
    const id = campaignId(await waitForMessage(copies, () => true, { describe: () => postfix.maillog() }))!;
    const judged = await pollUntil(`spamd's ham verdict on ${subject}`, async () => {
      const view = (await campaigns()).find((c) => c.id === id);
      return view?.verdict ? view : null;
    });
    assert.equal(judged.verdict?.verdict, "ham", `spamd calls ${subject} ham`);
    await new Promise((r) => setTimeout(r, 1100)); // queue.rescanNewLinksSeconds since that scan

    assert.ok((await send("switched")).accepted, "the first switched copy is not refused on the ham verdict");
    await pollUntil("the switched copy delivered", () => copies().some((m) => /links=unscanned/.test(statusOf(m))));
    const refused = await pollUntil("a switched copy refused on its own scan", async () => {
      const r = await send("switched");
      return r.finalCode === 550 ? r : null;
    });
    assert.match(`${refused.finalCode} ${refused.finalText}`, new RegExp(`^550 5\\.7\\.1 .*${id}`));
    const before = copies().length;
    assert.ok((await send("bait")).accepted, "bait copies, which the verdict covers, still pass");
    await pollUntil("the bait copy delivered", () => copies().length > before);
    assert.match(statusOf(copies().at(-1)!), /^continue; ham; scanner=spamd /);
    const view = (await campaigns()).find((c) => c.id === id);
    assert.equal(view?.state, "ham", "the switched copy's verdict judged what it added, not the campaign");
  };

  void test("a ham verdict covers its links: the same text linking elsewhere is scanned, and refused once spam", async () => {
    const links = { bait: "https://www.garden-shop.example/spring", switched: "https://www.prize-desk.example/claim" };
    let n = 0;
    await baitAndSwitch("About the garden centre", (kind) => {
      const user = USERS[n++ % USERS.length]!;
      const body =
        `Dear ${user},\n\n${TEXTS["garden"]}` +
        `\n\nSee it all at ${links[kind]}\n${kind === "switched" ? `\n${GTUBE}\n` : ""}`;
      const from = "news@garden-shop.example";
      const data = buildMessage({ from, to: [`${user}@box.lab`], subject: "About the garden centre", body }).data;
      return sendMail({ port: postfix.smtpPort, from, to: [`${user}@box.lab`], data });
    });
  });

  // The kinds of the files attached are covered as the links are; spamd weighs a program (spamd-attachment-rules.ts).
  void test("a ham verdict covers its attachments' kinds: the same statement with a program attached is refused", async () => {
    let n = 0;
    const pdf = Buffer.from("%PDF-1.4\n% statement of account\n").toString("base64");
    const program = Buffer.concat([Buffer.from("MZ\x90\x00\x03", "latin1"), Buffer.alloc(300)]).toString("base64");
    await baitAndSwitch("Your statement", (kind) => {
      const user = USERS[n++ % USERS.length]!;
      // The same text from the same sender; only the file differs.
      const [name, content] = kind === "bait" ? [`statement-${n}.pdf`, pdf] : [`statement-${n}.pdf.exe`, program];
      const body =
        `--part\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDear ${user},\r\n\r\n${TEXTS["statement"]}\r\n` +
        `--part\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="${name}"\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${content}\r\n--part--`;
      const from = "statements@bank.example";
      const extra = ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=part"];
      const data = buildMessage({ from, to: [`${user}@box.lab`], subject: "Your statement", body, extra }).data;
      return sendMail({ port: postfix.smtpPort, from, to: [`${user}@box.lab`], data });
    });
  });
});

void describe("verdicts through Postfix with the built-in rules", () => {
  let daemon: DaemonProcess;
  let postfix: PostfixLab;

  before(async () => {
    daemon = await startDaemonProcess({
      campaigns: { bulk: { copies: 4, recipients: 4, senders: 1000 } },
      policy: { holdBulk: true, holdSeconds: 600 },
      scanWorker: { scanners: [{ type: "builtin" }] },
    });
    postfix = await startPostfix({ milter: daemon.milter, defaultAction: "tempfail", users: USERS });
  });

  after(() => stopInOrder(postfix, daemon));

  void test("a campaign they score low stays unjudged, never ham: past the bulk thresholds it is held", async () => {
    const results: SendMailResult[] = [];
    for (let i = 1; i <= 3; i++) {
      const copy = copyOf("webinar", i);
      results.push(await sendMail({ port: postfix.smtpPort, from: copy.from, to: [copy.to], data: copy.data }));
    }
    assert.ok(
      results.every((r) => r.accepted),
      "copies under the bulk thresholds are delivered",
    );
    const view = await pollUntil(
      "the built-in rules' verdict on the campaign",
      async () => {
        const listed = JSON.parse(
          (await runCli(["campaigns", "--json", "--config", daemon.configPath])).stdout,
        ) as View[];
        return listed.find((c) => c.verdict !== null);
      },
      60_000,
      250,
    );
    assert.equal(view.verdict?.scanner, "builtin");
    assert.equal(view.verdict?.verdict, "unsure", "the built-in rules never say ham");
    assert.notEqual(view.state, "ham");
    for (let i = 4; i <= 8; i++) {
      const copy = copyOf("webinar", i);
      const r = await sendMail({ port: postfix.smtpPort, from: copy.from, to: [copy.to], data: copy.data });
      if (i >= 5) assert.match(`${r.finalCode} ${r.finalText}`, /^451 4\.7\.1 /, `copy ${i}: held as bulk, unjudged`);
    }
    const afterVerdict = readMaildir(postfix.mailbox(USERS[3]!)).filter((m) =>
      headerValues(m, "subject").includes("About webinar"),
    );
    for (const m of afterVerdict) assert.doesNotMatch(headerValues(m, "x-floodgate-status")[0] ?? "", /ham/);
  });
});
