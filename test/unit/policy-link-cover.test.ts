/**
 * What a scanner's ham verdict says of one copy by its links and attachment kinds (src/policy/link-cover.ts), and a
 * fingerprint's links (src/reputation/verdict-links.ts).
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { copyView, linkStanding, linksDetail, scannedLinks, verdictScope } from "../../src/policy/link-cover.js";
import { MAX_ATTACHMENT_KINDS } from "../../src/fingerprint/attachment-kinds.js";
import { MAX_LINK_DOMAINS } from "../../src/fingerprint/links.js";
import type { CampaignView, PersonDecision, ScanVerdict } from "../../src/reputation/types.js";
import { copyLinks } from "../../src/reputation/verdict-links.js";
import { syntheticFingerprint } from "../../src/lab/synthetic-campaigns.js";

const HAM: ScanVerdict = { verdict: "ham", score: 0.1, scanner: "spamd", threshold: 5, rules: [], at: 1 };

function campaign(over: Partial<CampaignView> = {}): CampaignView {
  return {
    id: "0123456789ab",
    created: false,
    state: "ham",
    copies: 40,
    recipients: 40,
    senders: 1,
    clientIps: 1,
    totalCopies: 40,
    firstSeen: 1,
    lastSeen: 2,
    subject: "Spring",
    verdict: HAM,
    decision: null,
    reports: { spam: 0, ham: 0 },
    blockedUntil: null,
    copiesSinceScan: 3,
    lastScanQueuedAt: 1,
    bulkSince: 1,
    merged: 0,
    links: { ham: ["shop.example", "cdn.example", "attachment:.pdf"], spam: ["bad.example", "attachment:.exe"] },
    ...over,
  };
}

const copy = (...linkDomains: string[]) => syntheticFingerprint({ linkDomains });
const attaching = (kinds: string[], ...linkDomains: string[]) =>
  syntheticFingerprint({ linkDomains, attachmentKinds: kinds });

void describe("linkStanding", () => {
  void test("a copy whose links the verdict covers (or none) stands as the campaign", () => {
    assert.equal(linkStanding(campaign(), copy("shop.example"), true), null);
    assert.equal(linkStanding(campaign(), copy("cdn.example", "shop.example"), true), null);
    assert.equal(linkStanding(campaign(), copy(), true), null);
  });
  void test("a link none covered, or links not all known, make it unscanned", () => {
    assert.equal(linkStanding(campaign(), copy("shop.example", "other.example"), true), "unscanned");
    // The fingerprint keeps MAX_LINK_DOMAINS domains: a copy with that many may link elsewhere too.
    const many = ["shop.example", ...Array.from({ length: MAX_LINK_DOMAINS - 1 }, () => "cdn.example")];
    assert.equal(linkStanding(campaign(), copy(...many), true), "unscanned");
  });
  void test("a link a variant's scan called spam outranks the rest", () => {
    assert.equal(linkStanding(campaign(), copy("shop.example", "bad.example"), true), "spam");
  });
  void test("attachment kinds count as links: a covered kind stands, another is unscanned, a spam one refused", () => {
    assert.equal(linkStanding(campaign(), attaching([".pdf"], "shop.example"), true), null);
    assert.equal(linkStanding(campaign(), attaching([".pdf", ".zip"], "shop.example"), true), "unscanned");
    assert.equal(linkStanding(campaign(), attaching(["application/pdf"]), true), "unscanned");
    assert.equal(linkStanding(campaign(), attaching([".exe"]), true), "spam");
  });
  void test("a copy whose parse stopped short may carry anything past it: unscanned", () => {
    const cut = syntheticFingerprint({ linkDomains: ["shop.example"], truncated: true });
    assert.equal(linkStanding(campaign(), cut, true), "unscanned");
    const stopped = syntheticFingerprint({ linkDomains: ["shop.example"], limit: "parts" });
    assert.equal(linkStanding(campaign(), stopped, true), "unscanned");
  });
  void test("no scoping: switched off, a verdict of unknown links, not ham, or a person's decision", () => {
    const decision: PersonDecision = { label: "ham", how: "pin", by: "operator:root", why: "", at: 1 };
    assert.equal(linkStanding(campaign(), copy("other.example"), false), null);
    assert.equal(linkStanding(campaign({ links: { ham: null, spam: [] } }), copy("other.example"), true), null);
    const spam = { ...HAM, verdict: "spam" as const };
    assert.equal(linkStanding(campaign({ state: "spam", verdict: spam }), copy("other.example"), true), null);
    assert.equal(linkStanding(campaign({ decision }), copy("bad.example"), true), null);
    const reporters: PersonDecision = { ...decision, how: "reporters" };
    assert.equal(linkStanding(campaign({ decision: reporters }), copy("other.example"), true), null);
  });
});

void describe("verdictScope and scannedLinks", () => {
  void test("the scope linkStanding and the console read; links recorded with a verdict only with the rule on", () => {
    const c = campaign();
    assert.deepEqual(verdictScope(c, true), { covered: c.links.ham, refused: c.links.spam });
    assert.equal(verdictScope(c, false), null);
    assert.equal(verdictScope(campaign({ links: { ham: null, spam: [] } }), true), null);
    const fp = syntheticFingerprint({ linkDomains: ["a.example"] });
    assert.deepEqual(scannedLinks({ rescanNewLinksSeconds: 60 }, fp), { links: ["a.example"], complete: true });
    assert.equal(scannedLinks({ rescanNewLinksSeconds: 0 }, fp), undefined);
  });
});

void describe("copyView and linksDetail", () => {
  void test("unscanned: bulk or new by the counts, no verdict; spam: refused; else the campaign", () => {
    const c = campaign();
    assert.equal(copyView(c, null), c);
    assert.deepEqual([copyView(c, "unscanned").state, copyView(c, "unscanned").verdict], ["bulk", null]);
    assert.equal(copyView(campaign({ bulkSince: null }), "unscanned").state, "new");
    assert.deepEqual([copyView(c, "spam").state, copyView(c, "spam").verdict], ["spam", null]);
    assert.deepEqual(
      [linksDetail(null), linksDetail("spam"), linksDetail("unscanned")],
      ["", "links=spam", "links=unscanned"],
    );
  });
});

void describe("copyLinks", () => {
  void test("the link domains and attachment kinds, not the attachments; complete under the fingerprint's caps", () => {
    const fp = syntheticFingerprint({
      linkDomains: ["a.example", "b.example"],
      attachments: ["ff00"],
      attachmentKinds: [".pdf", "text/calendar"],
    });
    const links = ["a.example", "b.example", "attachment:.pdf", "attachment:text/calendar"];
    assert.deepEqual(copyLinks(fp), { links, complete: true });
    const many = Array.from({ length: MAX_LINK_DOMAINS }, (_, i) => `d${i}.example`);
    assert.equal(copyLinks(syntheticFingerprint({ linkDomains: many.slice(1) })).complete, true);
    assert.equal(copyLinks(syntheticFingerprint({ linkDomains: many })).complete, false);
    const kinds = Array.from({ length: MAX_ATTACHMENT_KINDS }, (_, i) => `.k${i}`);
    assert.equal(copyLinks(syntheticFingerprint({ attachmentKinds: kinds.slice(1) })).complete, true);
    assert.equal(copyLinks(syntheticFingerprint({ attachmentKinds: kinds })).complete, false);
  });
  void test("not complete when the parse was cut at the bytes parsed or stopped at a limit", () => {
    assert.equal(copyLinks(syntheticFingerprint({ truncated: true })).complete, false);
    assert.equal(copyLinks(syntheticFingerprint({ limit: "depth" })).complete, false);
  });
});
