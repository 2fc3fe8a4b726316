/**
 * Allowlist networks are validated with the configuration, so a typo is refused at load (and on reload) instead
 * of silently allowlisting nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/load.js";

test("malformed client networks are refused with their keys", () => {
  const result = parseConfigText(
    "policy:\n  allowlist:\n    clientNetworks: [10.0.0.0/8, 300.1.1.1, '::1/129', 2001:db8::/32]\n",
  );
  assert.equal(result.ok, false);
  if (result.ok) return;
  const paths = result.errors.map((e) => e.path);
  assert.deepEqual(paths, ["policy.allowlist.clientNetworks[1]", "policy.allowlist.clientNetworks[2]"]);
});

test("valid networks load", () => {
  const result = parseConfigText(
    "policy:\n  allowlist:\n    clientNetworks: [192.0.2.0/24, 2001:db8::/32, 127.0.0.1]\n",
  );
  assert.equal(result.ok, true);
});
