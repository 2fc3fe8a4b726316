/**
 * The campaign commands (`campaigns`, `block`, `unblock`) over a small in-memory store, and duration parsing.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  blockCommand,
  campaignsCommand,
  formatCampaignTable,
  unblockCommand,
} from "../../src/cli/campaigns-command.js";
import { formatDuration, parseDuration } from "../../src/cli/duration.js";
import type { Fingerprint, FingerprintOutcome } from "../../src/fingerprint/types.js";
import type { Actor, CampaignStore, CampaignView, Observation, ReportOutcome } from "../../src/reputation/types.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";

function view(id: string, over: Partial<CampaignView> = {}): CampaignView {
  return {
    id,
    created: false,
    state: "new",
    copies: 1,
    recipients: 1,
    senders: 1,
    clientIps: 1,
    totalCopies: 1,
    firstSeen: Date.UTC(2026, 10, 28, 5, 0, 0),
    lastSeen: Date.UTC(2026, 10, 28, 6, 0, 0),
    subject: "Hello",
    verdict: null,
    decision: null,
    reports: { spam: 0, ham: 0 },
    blockedUntil: null,
    copiesSinceScan: 1,
    lastScanQueuedAt: 0,
    bulkSince: null,
    merged: 0,
    links: { ham: null, spam: [] },
    ...over,
  };
}

/** A store that keeps campaigns in a Map and matches fingerprints by their digest. */
class MemoryStore implements CampaignStore {
  readonly verdictChannel = "test:verdicts";
  readonly campaigns = new Map<string, CampaignView>();
  readonly byDigest = new Map<string, string>();
  async observe(o: Observation) {
    const id = this.byDigest.get(o.fingerprint.direct) ?? o.fingerprint.direct.padEnd(12, "0").slice(0, 12);
    const created = !this.campaigns.has(id);
    const v = created ? view(id, { created: true }) : { ...(this.campaigns.get(id) as CampaignView), created: false };
    this.campaigns.set(id, v);
    this.byDigest.set(o.fingerprint.direct, id);
    return { ...v, foundBy: created ? ("new" as const) : ("direct" as const), mergedNow: 0 };
  }
  async get(id: string) {
    return this.campaigns.get(id) ?? null;
  }
  async match(fp: Fingerprint) {
    const id = this.byDigest.get(fp.direct);
    return id ? { id, foundBy: "direct" as const, matched: [id] } : null;
  }
  async lookup(fp: Fingerprint) {
    const id = this.byDigest.get(fp.direct);
    return id === undefined ? null : (this.campaigns.get(id) ?? null);
  }
  async top(limit: number) {
    return [...this.campaigns.values()].sort((a, b) => b.copies - a.copies).slice(0, limit);
  }
  async block(id: string, ttlSeconds: number) {
    const v = this.campaigns.get(id);
    if (!v) throw new Error(`no campaign ${id}`);
    this.campaigns.set(id, { ...v, state: "blocked", blockedUntil: Date.now() + ttlSeconds * 1000 });
    return id;
  }
  async unblock(id: string) {
    const v = this.campaigns.get(id);
    if (v) this.campaigns.set(id, { ...v, state: "new", blockedUntil: null });
    return id;
  }
  async decide(id: string, label: "spam" | "ham", how: "report" | "pin", by: Actor) {
    const v = this.campaigns.get(id);
    if (!v) throw new Error(`no campaign ${id}`);
    const decided: CampaignView = {
      ...v,
      state: label,
      decision: { label, how, by: by.actor, why: by.reason, at: Date.now() },
    };
    this.campaigns.set(id, decided);
    return decided;
  }
  async undecide(id: string, how: "report" | "pin") {
    const v = this.campaigns.get(id);
    if (v?.decision?.how !== how) return false;
    this.campaigns.set(id, { ...v, state: "new", decision: null });
    return true;
  }
  async report(): Promise<ReportOutcome> {
    return { outcome: "counted", spam: 1, ham: 0, decided: null };
  }
  async unreport() {
    return false;
  }
  async rescan() {}
  async history() {
    return [];
  }
  async recordVerdict() {}
  async markScanQueued() {}
  async close() {}
}

const capture = () => {
  let text = "";
  return { out: { write: (s: string) => (text += s) }, text: () => text };
};

const pool = (digest: string) => ({
  fingerprint: async (): Promise<FingerprintOutcome> => ({
    status: "ok",
    fingerprint: syntheticFingerprint({ direct: digest, subject: "s", bytesParsed: 10 }),
  }),
});

/** Run `fn` with a small message file in a temp dir, removed after. */
async function withMessageFile(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fg-cli-"));
  try {
    const file = join(dir, "m.eml");
    writeFileSync(file, "Subject: s\r\n\r\nbody\r\n");
    await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void describe("parseDuration", () => {
  const good: Array<[string, number]> = [
    ["30m", 1800],
    ["2h", 7200],
    ["7d", 604_800],
    ["1w", 604_800],
    ["45s", 45],
    ["90", 90],
    ["1.5h", 5400],
    [" 2H ", 7200],
  ];
  for (const [text, seconds] of good)
    void test(`${text} → ${seconds}`, () => assert.equal(parseDuration(text), seconds));
  for (const text of ["", "0", "0m", "-5m", "5x", "m", "2 days", "1e3"]) {
    void test(`refuses "${text}"`, () =>
      assert.throws(
        () => parseDuration(text),
        /invalid duration .*: use a positive number with s, m, h, d or w \(30m, 2h, 7d\)/,
      ));
  }
  void test("formatDuration", () => {
    assert.deepEqual([604_800, 86_400, 5400, 1800, 45].map(formatDuration), ["1w", "1d", "90m", "30m", "45s"]);
  });
});

void describe("campaigns command", () => {
  void test("a table with every column", async () => {
    const store = new MemoryStore();
    store.campaigns.set(
      "aaaaaaaaaaaa",
      view("aaaaaaaaaaaa", { copies: 5, state: "bulk", subject: "Big\r\nsale", merged: 3 }),
    );
    store.campaigns.set("bbbbbbbbbbbb", view("bbbbbbbbbbbb", { copies: 9 }));
    const c = capture();
    assert.equal(await campaignsCommand(store, c.out, { limit: 10, json: false }), 0);
    const lines = c.text().trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] as string,
      /^ID\s+STATE\s+BY\s+SCORE\s+COPIES\s+RCPTS\s+SENDERS\s+IPS\s+TOTAL\s+MERGED\s+FIRST SEEN\s+LAST SEEN\s+SUBJECT$/,
    );
    assert.match(lines[1] as string, /^bbbbbbbbbbbb\s+new\s+none\s+-\s+9\s/);
    assert.match(
      lines[2] as string,
      /^aaaaaaaaaaaa\s+bulk\s+none\s+-\s+5\s.*\s3\s+2026-11-28T05:00:00Z\s+2026-11-28T06:00:00Z\s+Big sale$/,
    );
  });
  void test("JSON", async () => {
    const store = new MemoryStore();
    store.campaigns.set("aaaaaaaaaaaa", view("aaaaaaaaaaaa"));
    const c = capture();
    await campaignsCommand(store, c.out, { limit: 1, json: true });
    assert.deepEqual(JSON.parse(c.text()), [view("aaaaaaaaaaaa")]);
  });
  void test("none", async () => {
    const c = capture();
    await campaignsCommand(new MemoryStore(), c.out, { limit: 5, json: false });
    assert.equal(c.text(), "no campaigns\n");
  });
  void test("a bad limit", async () => {
    await assert.rejects(
      campaignsCommand(new MemoryStore(), capture().out, { limit: NaN, json: false }),
      /--limit must be a positive whole number/,
    );
  });
  void test("formatCampaignTable aligns columns", () => {
    const t = formatCampaignTable([view("aaaaaaaaaaaa", { copies: 1234 })]);
    const [head, row] = t.split("\n") as [string, string];
    assert.equal(head.indexOf("STATE"), row.indexOf("new"));
  });
  void test("the table says who judged each campaign and the scanner's score over its threshold", () => {
    const verdict = { scanner: "spamd", score: 14.23, threshold: 5, rules: ["BAYES_99"], at: 1 };
    const t = formatCampaignTable([
      view("aaaaaaaaaaaa", { state: "spam", verdict: { ...verdict, verdict: "spam" } }),
      view("bbbbbbbbbbbb", { state: "bulk", verdict: { ...verdict, verdict: "unsure", scanner: "builtin", score: 1 } }),
      view("cccccccccccc", {
        state: "ham",
        decision: { label: "ham", how: "pin", by: "operator:ann", why: "newsletter", at: 1 },
      }),
    ]);
    const [head, spam, unsure, pinned] = t.split("\n") as [string, string, string, string];
    const by = head.indexOf("BY");
    const score = head.indexOf("SCORE");
    assert.equal(spam.slice(by).split(/ +/)[0], "spamd");
    assert.equal(spam.slice(score).split(/ +/)[0], "14.2/5");
    assert.equal(unsure.slice(by).split(/ +/)[0], "none", "an unsure verdict judges nothing");
    assert.equal(unsure.slice(score).split(/ +/)[0], "1/5");
    assert.equal(pinned.slice(by).split(/ +/)[0], "pin");
    assert.equal(pinned.slice(score).split(/ +/)[0], "-");
  });
});

void describe("block and unblock commands", () => {
  void test("block by id", async () => {
    const store = new MemoryStore();
    store.campaigns.set("aaaaaaaaaaaa", view("aaaaaaaaaaaa"));
    const c = capture();
    assert.equal(await blockCommand(store, null, { id: "AAAAAAAAAAAA", ttlSeconds: 7200 }, c.out), 0);
    assert.equal(store.campaigns.get("aaaaaaaaaaaa")?.state, "blocked");
    assert.match(c.text(), /^blocked campaign aaaaaaaaaaaa for 2h, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  });
  void test("block an unknown id fails", async () => {
    await assert.rejects(
      blockCommand(new MemoryStore(), null, { id: "cccccccccccc", ttlSeconds: 60 }, capture().out),
      /no campaign cccccccccccc/,
    );
  });
  void test("block --like a matching file", async () => {
    await withMessageFile(async (file) => {
      const store = new MemoryStore();
      store.campaigns.set("dddddddddddd", view("dddddddddddd"));
      store.byDigest.set("digest-1", "dddddddddddd");
      const c = capture();
      await blockCommand(store, pool("digest-1"), { likeFile: file, ttlSeconds: 86_400 }, c.out);
      assert.equal(store.campaigns.get("dddddddddddd")?.state, "blocked");
      assert.match(c.text(), /^blocked campaign dddddddddddd for 1d/);
    });
  });
  void test("block --like a new message starts a campaign", async () => {
    await withMessageFile(async (file) => {
      const store = new MemoryStore();
      const c = capture();
      await blockCommand(store, pool("eeeeeeeeeeee"), { likeFile: file, ttlSeconds: 60 }, c.out);
      assert.equal(store.campaigns.get("eeeeeeeeeeee")?.state, "blocked");
      assert.match(c.text(), /^blocked campaign eeeeeeeeeeee \(new\) for 1m/);
    });
  });
  void test("unblock", async () => {
    const store = new MemoryStore();
    store.campaigns.set("aaaaaaaaaaaa", view("aaaaaaaaaaaa", { state: "blocked", blockedUntil: Date.now() + 1000 }));
    const c = capture();
    assert.equal(await unblockCommand(store, "aaaaaaaaaaaa", c.out), 0);
    assert.equal(store.campaigns.get("aaaaaaaaaaaa")?.state, "new");
    assert.equal(c.text(), "unblocked campaign aaaaaaaaaaaa\n");
    const d = capture();
    assert.equal(await unblockCommand(store, "aaaaaaaaaaaa", d.out), 0);
    assert.equal(d.text(), "campaign aaaaaaaaaaaa was not blocked\n");
    const e = capture();
    assert.equal(await unblockCommand(store, "ffffffffffff", e.out), 1);
    assert.equal(e.text(), "no campaign ffffffffffff\n");
  });
});
