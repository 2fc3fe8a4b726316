/**
 * What Sendmail's quarantine supports, through the private Sendmail (`policy.holdMode: quarantine`): SMFIR_QUARANTINE
 * (milter-protocol.md 1.4) keeps the message in the queue directory as `hf<id>` (queue runs skip it, the reason in
 * its `q` line); the hold-queue helper deletes the quarantined files of a spam campaign (Sendmail has no delete
 * command), keeping a sample, and releases a ham campaign's with `sendmail -Q -qQ -qI<id>` (a run over the
 * quarantined jobs of that id, unquarantining them) then delivers them with `sendmail -qI<id>`: the smart host
 * receives exactly those, and the copies of another campaign still held stay quarantined. Sendmail's queue ids are
 * recorded at MAIL (real-mta-lab.md), and never reused.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpam } from "../../src/lab/corpus.js";
import { freePort } from "../../src/util/tcp-port.js";
import { startSendmail, type SendmailLab } from "../support/sendmail.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { pollUntil } from "../support/poll.js";
import { campaignBases, floodHeldCampaign, recordVerdict, startHoldLab, type HoldLab } from "../support/hold-queue.js";
import { stopInOrder } from "../support/cleanups.js";

const HOST = "sendmail-lab";
const COPIES = 4;
const BULK_AT = 2;

describe("the hold queue through Sendmail (its quarantine)", () => {
  let sendmail: SendmailLab;
  let daemon: DaemonProcess;
  let hold: HoldLab;
  const nextBase = campaignBases(loadSpam({ limit: 400 }), 11);

  before(async () => {
    const milterPort = await freePort();
    sendmail = await startSendmail({ milter: `inet:${milterPort}@127.0.0.1` });
    hold = await startHoldLab({ sendmailCommand: sendmail.sendmailCommand(), queueDir: sendmail.queueDir });
    daemon = await startDaemonProcess(
      hold.daemonConfig({
        host: HOST,
        bulkAt: BULK_AT,
        holdSeconds: 600,
        hold: { helperTimeoutMs: 2000 },
        mtaQueue: { mta: "sendmail", command: sendmail.queueCommand(), intervalSeconds: 5, timeoutSeconds: 20 },
      }),
      { milterPort },
    );
  });

  after(() => stopInOrder(daemon, hold, sendmail));

  const quarantined = () =>
    readdirSync(sendmail.queueDir)
      .filter((f) => f.startsWith("hf"))
      .map((f) => f.slice(2));
  /** Sendmail's queue ids of what the smart host received (its Received: header, "with ESMTP id"). */
  const delivered = () =>
    readdirSync(sendmail.sinkDir).flatMap((f) =>
      [...readFileSync(join(sendmail.sinkDir, f), "latin1").matchAll(/with E?SMTP id ([0-9A-Za-x]+)/g)].map(
        (m) => m[1]!,
      ),
    );

  async function floodCampaign(): Promise<{ campaign: string; heldIds: string[] }> {
    const { campaign, heldIds } = await floodHeldCampaign({
      smtpPort: sendmail.smtpPort,
      held: hold.held,
      host: HOST,
      ...(await nextBase()),
      copies: COPIES,
      describe: () => `${sendmail.diagnostics()}\n${daemon.logs().slice(-3000)}`,
    });
    assert.equal(heldIds.length, COPIES - BULK_AT + 1);
    assert.deepEqual(
      heldIds.filter((id) => quarantined().includes(id)),
      heldIds,
      "Sendmail keeps each held copy quarantined (hf file)",
    );
    return { campaign, heldIds };
  }

  const verdict = (id: string, label: "spam" | "ham") => recordVerdict(hold.campaigns, id, label);

  test("a quarantined copy is not delivered by a queue run; a spam verdict deletes it", async () => {
    const { campaign, heldIds } = await floodCampaign();
    const hf = readFileSync(join(sendmail.queueDir, `hf${heldIds[0]!}`), "latin1");
    assert.match(hf, /^q.*held for review/m, "the quarantine reason is in the control file's q line");
    await verdict(campaign, "spam");
    // The helper removes each copy's control file, then its data file: wait for both.
    await pollUntil("the quarantined control and data files deleted", () =>
      heldIds.every((id) => !quarantined().includes(id) && !existsSync(join(sendmail.queueDir, `df${id}`))),
    );
    assert.deepEqual(
      delivered().filter((id) => heldIds.includes(id)),
      [],
    );
    // The daemon saves the sample when the helper's reply reaches it, which may be after the files are gone.
    const sample = await pollUntil("a sample kept (the data file)", () => hold.held.sample(campaign), 30_000);
    assert.ok(sample.length > 0, "the sample holds the copy's body");
  });

  test("a ham verdict releases the quarantined copies: the smart host receives exactly them", async () => {
    const { campaign, heldIds } = await floodCampaign();
    const other = await floodCampaign();
    const everHeld = [...heldIds, ...other.heldIds];
    assert.deepEqual(
      delivered().filter((id) => everHeld.includes(id)),
      [],
      "nothing held was delivered before the verdict",
    );
    await verdict(campaign, "ham");
    await pollUntil(
      "the released copies at the smart host",
      () => heldIds.every((id) => delivered().includes(id)),
      90_000,
    );
    assert.deepEqual(
      delivered()
        .filter((id) => everHeld.includes(id))
        .sort(),
      heldIds,
      "the smart host received exactly the released copies",
    );
    assert.deepEqual(
      quarantined().filter((id) => heldIds.includes(id)),
      [],
    );
    assert.deepEqual(
      other.heldIds.filter((id) => quarantined().includes(id)),
      other.heldIds,
      "the other campaign's copies are still quarantined",
    );
  });
});
