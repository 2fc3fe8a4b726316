/**
 * An upgrade from fingerprint version 2 (main at 3fadabd, the release before version 3), against what that build
 * itself produced:
 * - the version 2 keys this build computes for every SpamAssassin corpus message are the keys that build computed
 *   (test/data/version-two-keys.json, made by test/data/previous-version-data.ts on that build): its exact digest,
 *   and its MinHash values (this build's own where the two read the same words);
 * - campaigns that build blocked (`floodgate block --like`, its Redis keys in test/data/version-two-block.json, made
 *   the same way) stop the copies this build's daemon receives on the same Redis: a short message (below minWords,
 *   found by its exact key only, which carries the version), a long one whose words and numbers side by side
 *   change a few of its values, and one (test/data/version-two-numbered.eml) where they change nearly all of them.
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

void describe("version 2 keys against the build of version 2", () => {
  const golden = JSON.parse(readFileSync(join(DATA, "version-two-keys.json"), "utf8")) as GoldenKeys;

  void test(`every corpus message's keys are the ones ${golden.build.commit} computed`, async () => {
    let ownValues = 0;
    const { wrong, compared } = await corpusKeysDiffering(
      golden,
      (fingerprint) => fingerprint.version2,
      (fingerprint, keys) => {
        if (keys.minhash !== null && keys.minhash.join() !== fingerprint.minhash?.join()) ownValues++;
      },
    );
    assert.equal(compared, 6046);
    assert.deepEqual(wrong, [], `${wrong.length} messages whose version 2 keys differ from version 2's`);
    // Most messages share version 3's values; the ones with a word and a number side by side do not.
    assert.ok(ownValues > 0 && ownValues < compared / 4, `${ownValues} messages with values of their own`);
  });
});

void describe("blocks made by the build of version 2, after the upgrade, through the daemon on a real Redis", () => {
  const fixture = readFixture("version-two-block.json");
  let store: UpgradedStore;

  before(async () => (store = await upgradedStore(fixture, "v2")));
  after(async () => await store?.stop());

  void test(`copies of the messages ${fixture.commit} blocked are refused as their campaigns`, async () => {
    assert.equal(fixture.blocks.length, 3);
    const client = await MilterClient.connect(store.daemon.milter);
    await client.open();
    try {
      for (const { message, block } of fixture.blocks) {
        const blocked = blockedMessage(message);
        const campaign = blockedId(block);
        for (let n = 0; n < 3; n++) {
          const copy = rawToTestMessage(copyTo(blocked, n), "desk@example.net", [`reader${n}@example.org`]);
          const headers = floodgateHeaders(await client.transaction(copy));
          const what = `${message}, copy ${n}`;
          assert.equal(headers["X-Floodgate-Status"], "reject; campaign-blocked; by=operator", what);
          assert.match(headers["X-Floodgate-Campaign"] ?? "", new RegExp(`^${campaign};`), what);
        }
      }
      // Another campaign's message is not stopped by them.
      const other = loadCorpus(["spam-1"], { limit: 1 })[0]!.bytes;
      const result = await client.transaction(rawToTestMessage(other, "x@example.net", ["reader@example.org"]));
      assert.equal(floodgateHeaders(result)["X-Floodgate-Status"], "continue; new");
    } finally {
      await client.quit();
    }
    // The first copy of each by version 2's keys (the short message by its exact key, the others by its values in
    // its own index); later ones find the campaign by this version's keys, with which it was keyed then.
    const previous = await metricValue(store.daemon.metricsUrl, "floodgate_campaign_matches_total", { by: "previous" });
    assert.equal(previous, 3);
  });
});
