/**
 * The campaign store's Lua scripts: named verbNoun-<numKeys>.lua, opening with a KEYS/ARGV block that matches
 * the name, includes resolved; and the parsing of the campaign view they return.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { luaDir, loadScript } from "../../src/reputation/scripts.js";
import { parseObserved, parseView } from "../../src/reputation/replies.js";
import { campaignKeys } from "../../src/reputation/keys.js";

const files = readdirSync(luaDir).filter((f) => f.endsWith(".lua"));

void describe("Lua scripts", () => {
  void test("there are scripts", () => assert.ok(files.length >= 6, files.join(", ")));
  for (const file of files) {
    void test(file, () => {
      const script = loadScript(file);
      assert.match(file, /^[a-z][A-Za-z]*-\d+\.lua$/);
      assert.equal(script.sha.length, 40);
      assert.ok(!script.source.includes("@include"), "includes resolved");
      const text = readFileSync(join(luaDir, file), "utf8");
      assert.match(text, /^--\[\[\n/, "opens with a comment block");
      const header = text.slice(0, text.indexOf("]]"));
      assert.match(header, /KEYS\[1\]/);
      assert.match(header, /ARGV\[1\]/);
      const declared = new Set([...header.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      assert.equal(Math.max(...declared), script.numKeys, "the KEYS block matches the name");
      const used = [...script.source.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      assert.ok(
        used.every((k) => k <= script.numKeys),
        `uses KEYS beyond ${script.numKeys}`,
      );
    });
  }
  void test("a misnamed script is refused", () => {
    assert.throws(() => loadScript("observe.lua"), /is not verbNoun-<numKeys>\.lua/);
  });
});

void describe("keys", () => {
  void test("every key of a prefix carries its hash tag", () => {
    const k = campaignKeys("fg");
    for (const key of [
      k.direct(2, "ab"),
      k.base + k.valuePrefix(2) + "42",
      k.campaign("0123456789ab"),
      k.top,
      k.hot(7),
    ]) {
      assert.match(key, /^fg:\{fg\}:/);
    }
    assert.equal(k.verdictChannel, "fg:verdicts");
  });
});

void describe("parseView", () => {
  const raw = [
    "0123456789ab",
    1,
    "spam",
    5,
    4,
    3,
    2,
    9,
    1000,
    2000,
    "Hi",
    "spam",
    "7.5",
    "spamd",
    1500,
    0,
    5,
    1200,
    1100,
    "5",
    "BAYES_99,URIBL_BLACK",
    "spam",
    "report",
    "operator:root",
    "seen in the queue",
    1600,
    2,
    0,
    2,
    "example.com cdn.example",
    "",
  ];
  void test("a full view", () => {
    assert.deepEqual(parseView(raw), {
      id: "0123456789ab",
      created: true,
      state: "spam",
      copies: 5,
      recipients: 4,
      senders: 3,
      clientIps: 2,
      totalCopies: 9,
      firstSeen: 1000,
      lastSeen: 2000,
      subject: "Hi",
      verdict: {
        verdict: "spam",
        score: 7.5,
        scanner: "spamd",
        threshold: 5,
        rules: ["BAYES_99", "URIBL_BLACK"],
        at: 1500,
      },
      decision: { label: "spam", how: "report", by: "operator:root", why: "seen in the queue", at: 1600 },
      reports: { spam: 2, ham: 0 },
      blockedUntil: null,
      copiesSinceScan: 5,
      lastScanQueuedAt: 1200,
      bulkSince: 1100,
      merged: 2,
      links: { ham: ["example.com", "cdn.example"], spam: [] },
    });
  });
  void test("a ham verdict's links: null (a nil reply) when it covers every copy", () => {
    const view = parseView([...raw.slice(0, 29), null, "bad.example"]);
    assert.deepEqual(view.links, { ham: null, spam: ["bad.example"] });
  });
  void test("an observation: the view, how its campaign was found and what it merged", () => {
    const observed = parseObserved([...raw, "minhash", 1]);
    assert.equal(observed.foundBy, "minhash");
    assert.equal(observed.mergedNow, 1);
    assert.throws(() => parseObserved([...raw, "guess", 0]), /unexpected match from Redis: guess/);
  });
  void test("no verdict, blocked", () => {
    const v = parseView([
      ...["0123456789ab", 0, "blocked", 1, 1, 1, 0, 1, 1, 1, "", "", "", "", 0, 9999, 1, 0, 0],
      ...["", "", "", "", "", "", 0, 0, 0, 0, null, ""],
    ]);
    assert.equal(v.verdict, null);
    assert.equal(v.decision, null);
    assert.equal(v.blockedUntil, 9999);
    assert.equal(v.bulkSince, null);
  });
  void test("garbage is refused", () => {
    assert.throws(() => parseView([1, 2]), /unexpected campaign view/);
    assert.throws(
      () => parseView(raw.map((x, i) => (i === 2 ? "odd" : x))),
      /unexpected campaign state from Redis: odd/,
    );
  });
});
