/**
 * The hostile-mail generator and the soak's checks as pure logic: the same seed gives the same messages, every family
 * and every limit it is meant to reach is reached, every message forges Floodgate's headers in a way that can be
 * told apart; the headers an MTA delivers after a milter's modifications, and how an answer is judged.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FORGED_MARK, hostileMessages } from "../../src/lab/hostile-mail.js";
import { deliveredHeaders, judgeAnswer } from "../../src/harness/soak-checks.js";

const sample = [...hostileMessages(11, 3000)];

void describe("hostile messages", () => {
  void test("the same seed gives the same messages, another seed others", () => {
    const again = [...hostileMessages(11, 50)];
    assert.deepEqual(again, sample.slice(0, 50));
    const other = [...hostileMessages(12, 50)];
    assert.notDeepEqual(other, again);
  });

  void test("every family comes, with cases past each limit of the parser and the store", () => {
    const families = new Set(sample.map((m) => m.family));
    assert.equal(families.size, 11, [...families].join(","));
    const deepest = Math.max(...sample.map((m) => (m.body.toString("latin1").match(/^--b\d+$/gm) ?? []).length));
    assert.ok(deepest > 64, `MIME nesting reaches ${deepest}`);
    assert.ok(
      sample.some((m) => m.headers.length > 20_000),
      "a header flood of more than 20,000 fields",
    );
    assert.ok(
      sample.some((m) => m.recipients.length > 8000),
      "an envelope of more than 8,000 recipients",
    );
    assert.ok(
      sample.some((m) => (m.body as Buffer).includes(0)),
      "NUL bytes",
    );
    assert.ok(
      sample.some((m) => m.headers.some(([, v]) => v.includes("\n "))),
      "folded headers",
    );
  });

  void test("messages forge Floodgate's headers, after a thousand ordinary ones too; values are never NUL", () => {
    const forged = sample.filter((m) =>
      m.headers.some(([n, v]) => /^x-floodgate-/i.test(n) && v.includes(FORGED_MARK)),
    );
    assert.ok(forged.length > sample.length / 2, `${forged.length} of ${sample.length} forge`);
    const late = forged.filter((m) => m.headers.findIndex(([n]) => /^x-floodgate-/i.test(n)) > 1000);
    assert.ok(late.length > 0, "some forge past the first thousand headers");
    for (const m of sample) for (const [n, v] of m.headers) assert.ok(!n.includes("\0") && !v.includes("\0"));
  });
});

void describe("soak checks", () => {
  const incoming: Array<[string, string]> = [
    ["Subject", "x"],
    ["X-Floodgate-Status", `${FORGED_MARK} 1`],
    ["x-floodgate-status", `${FORGED_MARK} 2`],
    ["X-Floodgate-Campaign", `${FORGED_MARK} 3`],
  ];
  const options = { statusHeader: "X-Floodgate-Status", forgedMark: FORGED_MARK };

  void test("changeHeader counts one name in any case from 1; an empty value deletes; addHeader appends", () => {
    const delivered = deliveredHeaders(incoming, [
      { kind: "changeHeader", index: 2, name: "X-Floodgate-Status", value: "" },
      { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "continue; new" },
      { kind: "addHeader", name: "X-Other", value: "y" },
    ]);
    assert.deepEqual(delivered, [
      ["Subject", "x"],
      ["X-Floodgate-Status", "continue; new"],
      ["X-Floodgate-Campaign", `${FORGED_MARK} 3`],
      ["X-Other", "y"],
    ]);
  });

  void test("a forged header left in place is found; a campaign or a counted reason labels the answer", () => {
    const campaign = "0123456789ab; copies=2; recipients=1";
    const left = judgeAnswer(
      incoming,
      {
        action: "continue",
        progress: 0,
        modifications: [{ kind: "addHeader", name: "X-Floodgate-Campaign", value: campaign }],
      },
      options,
    );
    assert.deepEqual(left, { forgedSurvived: true, label: "campaign" });
    const clean = judgeAnswer(
      incoming,
      {
        action: "continue",
        progress: 0,
        modifications: [
          { kind: "changeHeader", index: 2, name: "X-Floodgate-Status", value: "" },
          { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "skipped; reason=pool-timeout" },
          { kind: "changeHeader", index: 1, name: "X-Floodgate-Campaign", value: "" },
        ],
      },
      options,
    );
    assert.deepEqual(clean, { forgedSurvived: false, label: "reason:pool-timeout" });
    const tempfail = judgeAnswer([], { action: "replyCode", reply: "451 4.7.1 Floodgate: thread-died, try again later", progress: 0, modifications: [] }, options); // prettier-ignore
    assert.equal(tempfail.label, "reason:thread-died");
    const bare = judgeAnswer([], { action: "continue", progress: 0, modifications: [] }, options);
    assert.equal(bare.label, null);
    // README, "The status header": details may follow a fail mode's reason (a parse stopped at a limit).
    const status = "skipped; reason=redis-down; parse=depth";
    const detailed = judgeAnswer([], { action: "continue", progress: 0, modifications: [{ kind: "addHeader", name: "X-Floodgate-Status", value: status }] }, options); // prettier-ignore
    assert.equal(detailed.label, "reason:redis-down");
  });
});
