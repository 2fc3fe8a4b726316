/**
 * The links a verdict covers, as the campaign store keeps them (lua/recordVerdict-2.lua, lua/includes/verdictLinks.lua),
 * against a real redis-server: a ham verdict covers its copy's links; a variant's verdict (a copy carrying links the
 * ham verdict did not cover) judges only what it added; any other verdict is the campaign's.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/schema.js";
import { createCampaignStore } from "../../src/reputation/store.js";
import type { ScanVerdict } from "../../src/reputation/types.js";
import { LINKS_KEPT } from "../../src/reputation/verdict-links.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";
import { uniquePrefix, useStoreRedis } from "../support/redis.js";

const verdict = (kind: ScanVerdict["verdict"]): ScanVerdict => ({
  verdict: kind,
  score: kind === "spam" ? 9 : kind === "ham" ? 0 : 3,
  scanner: "spamd",
  threshold: 5,
  rules: [],
  at: Date.now(),
});
const complete = (...links: string[]) => ({ links, complete: true });

void describe("the links a verdict covers (real Redis)", () => {
  const db = useStoreRedis();

  const campaign = async () => {
    const store = createCampaignStore(db.redis, {
      prefix: uniquePrefix(),
      campaigns: defaultConfig().campaigns,
      closeConnection: false,
    });
    const { id } = await store.observe({
      fingerprint: syntheticFingerprint({ subject: "Spring" }),
      sender: "news@shop.example",
      recipients: ["a@rcpt.test"],
      clientIp: null,
    });
    const view = async () => {
      const v = await store.get(id);
      assert.ok(v);
      return v;
    };
    return { store, id, view };
  };

  void test("a variant's verdict judges what it added; the campaign's verdict stays", async () => {
    const { store, id, view } = await campaign();
    await store.recordVerdict(id, verdict("ham"), complete("shop.example", "cdn.example"));
    assert.deepEqual((await view()).links, { ham: ["shop.example", "cdn.example"], spam: [] });
    await store.recordVerdict(id, verdict("spam"), complete("shop.example", "bad.example"));
    await store.recordVerdict(id, verdict("unsure"), complete("odd.example"));
    await store.recordVerdict(id, verdict("ham"), complete("garden.example"));
    const v = await view();
    assert.equal(v.state, "ham");
    assert.equal(v.verdict?.score, 0, "the campaign's verdict is the first one's");
    assert.deepEqual(v.links, { ham: ["shop.example", "cdn.example", "garden.example"], spam: ["bad.example"] });
  });

  void test("a covered copy's verdict is the campaign's; judged ham again, it keeps what was covered", async () => {
    const { store, id, view } = await campaign();
    await store.recordVerdict(id, verdict("ham"), complete("shop.example"));
    await store.recordVerdict(id, { ...verdict("ham"), score: 0.4 }, complete());
    assert.deepEqual([(await view()).verdict?.score, (await view()).links.ham], [0.4, ["shop.example"]]);
    await store.recordVerdict(id, verdict("spam"), complete("shop.example"));
    assert.deepEqual([(await view()).state, (await view()).links.ham], ["spam", null]);
  });

  void test("a copy that may carry more links: its spam is the campaign's; unknown links cover every copy", async () => {
    const { store, id, view } = await campaign();
    await store.recordVerdict(id, verdict("ham"), complete("shop.example"));
    await store.recordVerdict(id, verdict("spam"), { links: ["shop.example", "more.example"], complete: false });
    assert.equal((await view()).state, "spam");
    const other = await campaign();
    await other.store.recordVerdict(other.id, verdict("ham"));
    assert.deepEqual((await other.view()).links, { ham: null, spam: [] });
  });

  void test("an operator's rescan drops what the verdict covered; a list keeps LINKS_KEPT links", async () => {
    const { store, id, view } = await campaign();
    await store.recordVerdict(id, verdict("ham"), complete("shop.example"));
    await store.rescan(id, { actor: "operator:root", reason: "new rules" });
    assert.deepEqual((await view()).links.ham, null);
    const many = Array.from({ length: LINKS_KEPT + 20 }, (_, i) => `d${i}.example`);
    await store.recordVerdict(id, verdict("ham"), { links: many, complete: false });
    assert.equal((await view()).links.ham?.length, LINKS_KEPT);
  });
});
