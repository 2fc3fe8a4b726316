/**
 * The bulk-hold allowlist: Authentication-Results parsing (RFC 8601), List-Id, sender domains and networks.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  compileAllowlist,
  dkimPassDomains,
  domainMatches,
  listIdOf,
  parseAuthenticationResults,
} from "../../src/policy/allowlist.js";

const ar = (value: string) => ({ name: "Authentication-Results", value });

void describe("parseAuthenticationResults", () => {
  void test("a typical OpenDKIM / Gmail header", () => {
    const r = parseAuthenticationResults(
      ' mx.example.org;\n\tdkim=pass (2048-bit key; unprotected) header.d=news.example.com header.i=@news.example.com header.b="abc;def";\n\tspf=pass (sender IP is 192.0.2.1) smtp.mailfrom=bounce@example.com',
    );
    assert.ok(r);
    assert.equal(r.authservId, "mx.example.org");
    assert.deepEqual(
      r.results.map((x) => [x.method, x.result]),
      [
        ["dkim", "pass"],
        ["spf", "pass"],
      ],
    );
    assert.equal(r.results[0]?.props["header.d"], "news.example.com");
    assert.equal(r.results[0]?.props["header.b"], "abc;def");
    assert.equal(r.results[1]?.props["smtp.mailfrom"], "bounce@example.com");
  });
  void test("a version after the authserv-id, a method version, a reason", () => {
    const r = parseAuthenticationResults('mx.example.org 1; dkim/1=FAIL reason="bad sig" header.d=x.test');
    assert.ok(r);
    assert.deepEqual(r.results, [
      { method: "dkim", result: "fail", props: { reason: "bad sig", "header.d": "x.test" } },
    ]);
  });
  void test("none", () => {
    assert.deepEqual(parseAuthenticationResults("mx.example.org; none"), { authservId: "mx.example.org", results: [] });
  });
  void test("no authserv-id", () => {
    assert.equal(parseAuthenticationResults("dkim=pass header.d=x.test"), null);
    assert.equal(parseAuthenticationResults("  "), null);
  });
});

void describe("dkimPassDomains", () => {
  const headers = [
    ar("mx.example.org; dkim=pass header.d=good.test; dkim=fail header.d=bad.test"),
    ar("forged.test; dkim=pass header.d=bank.test"),
    { name: "Subject", value: "hi" },
  ];
  void test("without authservIds only the topmost header counts", () => {
    assert.deepEqual(dkimPassDomains(headers, []), ["good.test"]);
  });
  void test("with authservIds only those headers count", () => {
    assert.deepEqual(dkimPassDomains(headers, ["MX.example.org"]), ["good.test"]);
    assert.deepEqual(dkimPassDomains(headers, ["forged.test"]), ["bank.test"]);
    assert.deepEqual(dkimPassDomains(headers, ["other.test"]), []);
  });
  void test("header.i stands in for a missing header.d", () => {
    assert.deepEqual(dkimPassDomains([ar("mx; dkim=pass header.i=@Lists.Example.COM")], []), ["lists.example.com"]);
  });
});

void describe("listIdOf", () => {
  const rows: Array<[string, string | null]> = [
    ['"Weekly news" <news.example.com>', "news.example.com"],
    ["<Users.Lists.Example.ORG>", "users.lists.example.org"],
    ["plain.example.net", "plain.example.net"],
    ["Some list\n <folded.example.com>", "folded.example.com"],
  ];
  for (const [value, expected] of rows) {
    void test(value, () => assert.equal(listIdOf([{ name: "List-ID", value }]), expected));
  }
  void test("no List-Id", () => assert.equal(listIdOf([{ name: "Subject", value: "x" }]), null));
});

void describe("domainMatches", () => {
  const rows: Array<[string, string, boolean]> = [
    ["example.com", "example.com", true],
    ["mail.example.com", "example.com", true],
    ["mail.example.com", ".example.com", true],
    ["badexample.com", "example.com", false],
    ["example.com", "mail.example.com", false],
    ["EXAMPLE.com", "example.COM", true],
    ["example.com", "", false],
  ];
  for (const [name, entry, expected] of rows) {
    void test(`${name} ~ ${entry} → ${expected}`, () => assert.equal(domainMatches(name, entry), expected));
  }
});

void describe("compileAllowlist", () => {
  const allow = compileAllowlist({
    senderDomains: ["newsletter.test"],
    dkimDomains: ["esp.test"],
    listIds: ["lists.test"],
    clientNetworks: ["192.0.2.0/24", "2001:db8::/32"],
    authservIds: [],
  });
  const base = { sender: "someone@random.test", headers: [], clientAddress: "203.0.113.1" };
  void test("nothing matches", () => assert.equal(allow.match(base), null));
  void test("sender domain", () =>
    assert.equal(allow.match({ ...base, sender: "a@news.newsletter.test" }), "sender-domain"));
  void test("the null sender has no domain", () => assert.equal(allow.match({ ...base, sender: "" }), null));
  void test("dkim pass", () =>
    assert.equal(allow.match({ ...base, headers: [ar("mx; dkim=pass header.d=mail.esp.test")] }), "dkim-domain"));
  void test("dkim fail", () =>
    assert.equal(allow.match({ ...base, headers: [ar("mx; dkim=fail header.d=esp.test")] }), null));
  void test("list id", () =>
    assert.equal(allow.match({ ...base, headers: [{ name: "List-Id", value: "<weekly.lists.test>" }] }), "list-id"));
  void test("client network v4", () =>
    assert.equal(allow.match({ ...base, clientAddress: "192.0.2.77" }), "client-network"));
  void test("client network v6", () =>
    assert.equal(allow.match({ ...base, clientAddress: "2001:db8::9" }), "client-network"));
  void test("a bad network is refused", () =>
    assert.throws(
      () =>
        compileAllowlist({
          senderDomains: [],
          dkimDomains: [],
          listIds: [],
          clientNetworks: ["10.0.0.0/40"],
          authservIds: [],
        }),
      /invalid network "10.0.0.0\/40"/,
    ));
});
