/**
 * The hold queue instead of a retry, end to end through the private Postfix (`policy.holdMode: quarantine`): copies
 * of a new bulk campaign are accepted into Postfix's hold queue (SMFIR_QUARANTINE, milter-protocol.md §1.4 "q"), their
 * long queue ids recorded with the campaign in Redis and with the real hold-queue helper, which runs postsuper. A spam
 * verdict (or a block) deletes them: the next hop (smtp-sink) never sees one and the campaign keeps a sample; a ham
 * verdict (or an operator's release) releases them: the sink receives exactly the held copies, by queue id. Held
 * copies outlive a restart of the daemon, the end of the hold releases them, and the helper refuses ids Floodgate
 * did not record (a message an operator held by hand stays held).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { loadSpam } from "../../src/lab/corpus.js";
import { startPostfix, type PostfixLab } from "../../src/lab/postfix.js";
import { sendMail } from "../../src/lab/smtp.js";
import { holdHelperClient } from "../../src/mta-hold/helper-client.js";
import { holdActions } from "../../src/policy/hold-actions.js";
import { freePort } from "../../src/util/tcp-port.js";
import { floodgateStatus, statusDocument } from "../support/alerts.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { campaignBases, floodHeldCampaign, recordVerdict, startHoldLab, type HoldLab } from "../support/hold-queue.js";
import { stopInOrder } from "../support/cleanups.js";

const run = promisify(execFile);
const HOST = "mx-lab";
const COPIES = 6;
/** Copies 1 and 2 are new, from the third the campaign is bulk (campaigns.bulk.copies). */
const BULK_AT = 3;

describe("the hold queue through Postfix", () => {
  let postfix: PostfixLab;
  let daemon: DaemonProcess;
  let hold: HoldLab;
  let milterPort: number;
  let metricsPort: number;
  const stateDir = mkdtempSync(join(tmpdir(), "fg-hold-state-"));
  const nextBase = campaignBases(loadSpam({ limit: 400 }), 7);

  const config = (holdSeconds: number) =>
    hold.daemonConfig({
      host: HOST,
      bulkAt: BULK_AT,
      holdSeconds,
      mtaQueue: { mta: "postfix", command: ["/usr/sbin/postqueue", "-c", postfix.configDir, "-j"], intervalSeconds: 1 },
    });
  const startDaemon = (holdSeconds = 600) =>
    startDaemonProcess(config(holdSeconds), { milterPort, metricsPort, stateDir });

  before(async () => {
    milterPort = await freePort();
    metricsPort = await freePort();
    // Mail to held-by-hand.example is put on hold by Postfix itself (an access table's HOLD), not by Floodgate.
    const access = join(stateDir, "recipient-access");
    writeFileSync(access, "held-by-hand.example HOLD\n");
    postfix = await startPostfix({
      milter: `inet:127.0.0.1:${milterPort}`,
      extraMain: {
        smtpd_recipient_restrictions: `check_recipient_access texthash:${access}, permit_mynetworks, reject_unauth_destination`,
      },
    });
    hold = await startHoldLab({ postfixConfig: postfix.configDir });
    daemon = await startDaemon();
  });

  after(() => stopInOrder(daemon, hold, postfix));

  /** The queue ids in Postfix's hold queue. */
  async function holdQueue(): Promise<string[]> {
    const { stdout } = await run("/usr/sbin/postqueue", ["-c", postfix.configDir, "-j"]);
    return stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { queue_name: string; queue_id: string })
      .filter((m) => m.queue_name === "hold")
      .map((m) => m.queue_id)
      .sort();
  }

  /** Postfix's queue ids of the messages the next hop (smtp-sink) received. */
  function delivered(): string[] {
    const ids: string[] = [];
    for (const file of readdirSync(postfix.sinkDir)) {
      const text = readFileSync(join(postfix.sinkDir, file), "latin1");
      for (const m of text.matchAll(/by mta\.lab\.local \(Postfix\) with E?SMTP id ([0-9A-Za-z]+)/g)) ids.push(m[1]!);
    }
    return ids;
  }

  /** Send COPIES personalised copies of a new spam campaign; resolve with the campaign and its held queue ids. */
  async function floodCampaign(): Promise<{ campaign: string; heldIds: string[] }> {
    const statuses = () =>
      readdirSync(postfix.sinkDir)
        .slice(-COPIES)
        .map((f) => /X-Floodgate-Status: .*/.exec(readFileSync(join(postfix.sinkDir, f), "latin1"))?.[0])
        .join("\n");
    const { campaign, heldIds } = await floodHeldCampaign({
      smtpPort: postfix.smtpPort,
      held: hold.held,
      host: HOST,
      ...(await nextBase()),
      copies: COPIES,
      describe: statuses,
    });
    assert.equal(heldIds.length, COPIES - BULK_AT + 1, "every copy from the bulk threshold on is held");
    await pollUntil("the held copies in Postfix's hold queue", async () => {
      const queue = await holdQueue();
      return heldIds.every((id) => queue.includes(id));
    });
    return { campaign, heldIds };
  }

  const verdict = (id: string, label: "spam" | "ham") => recordVerdict(hold.campaigns, id, label);

  /**
   * The sweep writes the campaign's history last, after the MTA has acted on the copies (and may have delivered them
   * already), so the entry is waited for, not read once.
   */
  const loggedInHistory = (campaign: string, action: string, why: string) =>
    pollUntil(`"${action}" (${why}) in the campaign's history`, async () =>
      (await hold.campaigns.history(campaign)).some((h) => h.action === action && h.why.startsWith(why)),
    );

  test("a spam verdict deletes the held copies: the next hop never sees them, a sample is kept", async () => {
    const { campaign, heldIds } = await floodCampaign();
    assert.ok(
      heldIds.every((id) => /^[0-9A-Za-z]{10}z[0-9A-Za-y]+$/.test(id)),
      `long queue ids: ${heldIds.join(" ")}`,
    );
    const passed = delivered().length;
    const doc = await statusDocument(daemon.metricsUrl);
    assert.equal((doc["hold"] as { held: number }).held, heldIds.length);
    const status = await floodgateStatus(daemon.metricsUrl);
    assert.match(status.stdout, new RegExp(`hold queue \\(quarantine\\) on ${HOST}: ${heldIds.length} copies held`));

    await verdict(campaign, "spam");
    await pollUntil("the held copies deleted", async () => {
      const queue = await holdQueue();
      return heldIds.every((id) => !queue.includes(id));
    });
    // The sweep forgets the copies in Redis once the helper has deleted them from the queue.
    await pollUntil("the held copies forgotten", async () => (await hold.held.count(HOST)) === 0);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      delivered().filter((id) => heldIds.includes(id)),
      [],
      "no deleted copy reached the next hop",
    );
    assert.equal(delivered().length, passed);
    const sample = await hold.held.sample(campaign);
    assert.ok(
      sample && /X-Floodgate-Status: quarantine; bulk-hold/.test(sample.toString("latin1")),
      "a sample is kept",
    );
    assert.equal(
      await metricValue(daemon.metricsUrl, "floodgate_hold_actions_total", { outcome: "deleted", reason: "spam" }),
      heldIds.length,
    );
    await loggedInHistory(campaign, "delete-held", "spam");
  });

  test("a ham verdict releases the held copies: the next hop receives exactly them", async () => {
    const { campaign, heldIds } = await floodCampaign();
    const before = delivered();
    await verdict(campaign, "ham");
    await pollUntil("the released copies at the next hop", () => heldIds.every((id) => delivered().includes(id)));
    const after = delivered().filter((id) => !before.includes(id));
    assert.deepEqual(after.sort(), heldIds, "the next hop received exactly the released copies");
    assert.deepEqual(await holdQueue(), []);
  });

  test("a block deletes, an operator's release releases (the console's actions)", async () => {
    const blocked = await floodCampaign();
    await hold.campaigns.block(blocked.campaign, 3600);
    const released = await floodCampaign();
    const before = delivered();
    await holdActions(hold.held).release(released.campaign, { actor: "operator:test", reason: "looks fine" });
    await pollUntil("both campaigns' copies out of the hold queue", async () => (await holdQueue()).length === 0);
    await pollUntil("the released copies at the next hop", () =>
      released.heldIds.every((id) => delivered().includes(id)),
    );
    const arrived = delivered().filter((id) => !before.includes(id));
    assert.deepEqual(arrived.sort(), released.heldIds, "only the released campaign's copies arrived");
  });

  test("held copies survive a restart of the daemon; the end of the hold releases them", async () => {
    const { campaign, heldIds } = await floodCampaign();
    await daemon.stop();
    assert.deepEqual(
      (await holdQueue()).filter((id) => heldIds.includes(id)),
      heldIds,
      "still held with the daemon down",
    );
    // Back with a hold of 2 s: the campaign turned bulk more than 2 s ago, so its hold has ended.
    await new Promise((r) => setTimeout(r, 2500));
    daemon = await startDaemon(2);
    await pollUntil("the released copies at the next hop", () => heldIds.every((id) => delivered().includes(id)));
    assert.deepEqual(await holdQueue(), []);
    await loggedInHistory(campaign, "release-held", "hold-ended");
    // Restore the long hold for what follows.
    await daemon.stop();
    daemon = await startDaemon();
  });

  test("a held copy survives a restart and a verdict after it still finds it", async () => {
    const { campaign, heldIds } = await floodCampaign();
    await daemon.stop();
    await verdict(campaign, "ham");
    daemon = await startDaemon();
    await pollUntil("the released copies at the next hop", () => heldIds.every((id) => delivered().includes(id)));
  });

  test("the helper refuses an id Floodgate did not record, ALL and malformed ids", async () => {
    // Postfix holds a message by its own rule (an access table's HOLD): not Floodgate's to release or delete.
    const r = await sendMail({
      port: postfix.smtpPort,
      from: "someone@example.org",
      to: ["friend@held-by-hand.example"],
      data: "Subject: by hand\r\n\r\nnot Floodgate's\r\n",
    });
    const id = /queued as ([0-9A-Za-z]+)/.exec(r.finalText)?.[1];
    assert.ok(id, r.finalText);
    await pollUntil("the message held by Postfix's own rule", async () => (await holdQueue()).includes(id));
    const ask = holdHelperClient(
      () => hold.helper.socket,
      () => 5000,
    );
    assert.deepEqual(await ask.delete([id], false), { outcomes: { [id]: "refused" }, sample: null });
    assert.deepEqual(await ask.release([id]), { [id]: "refused" });
    assert.deepEqual(await ask.release(["ALL"]), { ALL: "refused" });
    assert.deepEqual(await ask.delete(["ALL"], false), { outcomes: { ALL: "refused" }, sample: null });
    assert.deepEqual(await ask.record(["ALL", "4F2A1B3C5D", "../../etc/passwd"]), {
      ALL: "refused",
      "4F2A1B3C5D": "refused",
      "../../etc/passwd": "refused",
    });
    assert.ok((await holdQueue()).includes(id), "the message held by hand is still held");
    await run("/usr/sbin/postsuper", ["-c", postfix.configDir, "-d", id]);
  });

  test("the configuration refuses quarantine without the MTA's queue sampled (the hold queue must be watched)", () => {
    const file = join(stateDir, "bad.yaml");
    const bad = parse(stringify(config(600))) as Record<string, unknown>;
    delete bad["mtaQueue"];
    writeFileSync(file, stringify(bad));
    return run(process.execPath, [join(import.meta.dirname, "../../src/cli/main.js"), "check-config", file]).then(
      () => assert.fail("accepted"),
      (error: { stdout?: string; stderr?: string }) =>
        assert.match(`${error.stdout ?? ""}${error.stderr ?? ""}`, /policy\.holdMode.*mtaQueue\.mta/s),
    );
  });
});
