/**
 * Fingerprint versions across an upgrade, against what the build of version 1 (f34d09b) itself produced:
 * - the version 1 keys this build computes for every SpamAssassin corpus message are the keys that build computed
 *   (test/data/previous-version-keys.json, made by test/data/previous-version-data.ts on that build);
 * - a campaign that build blocked (`floodgate block --like`, its Redis keys in test/data/previous-version-block.json,
 *   made the same way) stops the copies this build's daemon receives on the same Redis.
 * The message blocked is multipart/alternative with a text/plain part that differs from its HTML: version 1 read
 * the one, this version reads the other.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MilterClient } from "../../src/client/milter-client.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { loadCorpus } from "../../src/lab/corpus.js";
import { metricValue } from "../support/daemon.js";
import {
  blockedId,
  blockedMessage,
  copyTo,
  corpusKeysDiffering,
  DATA,
  floodgateHeaders,
  readFixture,
  upgradedStore,
  type UpgradedStore,
  type GoldenKeys,
} from "../support/earlier-version.js";

void describe("previous-version keys against the build of version 1", () => {
  const golden = JSON.parse(readFileSync(join(DATA, "previous-version-keys.json"), "utf8")) as GoldenKeys;

  void test(`every corpus message's keys are the ones ${golden.build.commit} computed`, async () => {
    const { wrong, compared } = await corpusKeysDiffering(golden, (fingerprint) => fingerprint.previous);
    assert.equal(compared, 6046);
    assert.deepEqual(wrong, [], `${wrong.length} messages whose previous-version keys differ from version 1's`);
  });
});

void describe("a block made by the build of version 1, after the upgrade, through the daemon on a real Redis", () => {
  const fixture = readFixture("previous-version-block.json");
  const { message, block } = fixture.blocks[0]!;
  const blocked = blockedMessage(message);
  const campaign = blockedId(block);
  let store: UpgradedStore;

  before(async () => (store = await upgradedStore(fixture, "v1")));
  after(async () => await store?.stop());

  void test(`copies of the message ${fixture.commit} blocked are refused as that campaign`, async () => {
    const client = await MilterClient.connect(store.daemon.milter);
    await client.open();
    try {
      for (let n = 0; n < 3; n++) {
        const copy = copyTo(blocked, n);
        const result = await client.transaction(rawToTestMessage(copy, "desk@example.net", [`reader${n}@example.org`]));
        const headers = floodgateHeaders(result);
        assert.equal(headers["X-Floodgate-Status"], "reject; campaign-blocked; by=operator", `copy ${n}`);
        assert.match(headers["X-Floodgate-Campaign"] ?? "", new RegExp(`^${campaign};`), `copy ${n}`);
      }
      // Another campaign's message is not stopped by it.
      const other = loadCorpus(["spam-1"], { limit: 1 })[0]!.bytes;
      const result = await client.transaction(rawToTestMessage(other, "x@example.net", ["reader@example.org"]));
      assert.equal(floodgateHeaders(result)["X-Floodgate-Status"], "continue; new");
    } finally {
      await client.quit();
    }
    assert.ok(
      (await metricValue(store.daemon.metricsUrl, "floodgate_campaign_matches_total", { by: "previous" })) >= 1,
    );
  });
});
