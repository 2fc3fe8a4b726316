/**
 * Client-network matching: IPv4, IPv6, mapped addresses, single addresses and malformed entries.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createNetworkMatcher, parseCidr } from "../../src/util/cidr.js";

void describe("network matcher", () => {
  const m = createNetworkMatcher(["192.0.2.0/24", "198.51.100.7", "2001:db8::/32", "10.0.0.0/8", "::1"]);
  const rows: Array<[string | null, boolean]> = [
    ["192.0.2.1", true],
    ["192.0.2.255", true],
    ["192.0.3.0", false],
    ["198.51.100.7", true],
    ["198.51.100.8", false],
    ["10.255.255.255", true],
    ["11.0.0.0", false],
    ["2001:db8::1", true],
    ["2001:db8:ffff:ffff::1", true],
    ["2001:db9::1", false],
    ["::1", true],
    ["::2", false],
    ["::ffff:192.0.2.9", true],
    ["::ffff:192.0.3.9", false],
    ["[2001:db8::5]", true],
    ["IPv6:2001:db8::5", true],
    ["not-an-ip", false],
    ["", false],
    [null, false],
  ];
  for (const [address, expected] of rows) {
    void test(`${String(address)} → ${expected}`, () => assert.equal(m.matches(address), expected));
  }
  void test("an empty list matches nothing", () => {
    assert.equal(createNetworkMatcher([]).matches("192.0.2.1"), false);
  });
  void test("0.0.0.0/0 matches every IPv4 address", () => {
    assert.equal(createNetworkMatcher(["0.0.0.0/0"]).matches("203.0.113.9"), true);
  });
});

void describe("parseCidr", () => {
  void test("a plain address is a host route", () => {
    assert.deepEqual(parseCidr("2001:db8::1"), { address: "2001:db8::1", prefix: 128, family: "ipv6" });
    assert.deepEqual(parseCidr(" 192.0.2.1 "), { address: "192.0.2.1", prefix: 32, family: "ipv4" });
  });
  const bad: Array<[string, RegExp]> = [
    ["192.0.2.0/33", /invalid network "192.0.2.0\/33": prefix length must be 0 to 32/],
    ["2001:db8::/129", /prefix length must be 0 to 128/],
    ["192.0.2.0/", /prefix length/],
    ["192.0.2.0/x", /prefix length/],
    ["example.com/24", /invalid network "example.com\/24": not an IP address/],
    ["300.0.0.1", /not an IP address/],
  ];
  for (const [spec, message] of bad) {
    void test(`refuses ${spec}`, () => assert.throws(() => parseCidr(spec), message));
  }
});
