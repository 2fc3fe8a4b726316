/**
 * The C milter of the design's least work (native/least-work-milter.c), a benchmark reference: it reads the whole
 * message as the C no-op's -r does, and its fingerprint thread finds and claims the sampled MinHash values of each
 * body on its own private Redis, so a copy of a body is found and a different body is not. If the reference did less
 * than it says, the real flow's "least work" row would understate what the design costs.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startCLeastWork } from "../../src/harness/least-work-target.js";
import type { MilterTarget } from "../../src/harness/targets.js";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import {
  SMFIP_NOCONNECT,
  SMFIP_NOHELO,
  SMFIP_NOMAIL,
  SMFIP_NORCPT,
  SMFIP_NOUNKNOWN,
  SMFIP_NOHDRS,
  SMFIP_NOEOH,
  SMFIP_NOBODY,
  SMFIP_NODATA,
  SMFIP_NR_BODY,
  SMFIP_NR_DATA,
  SMFIP_NR_EOH,
  SMFIP_NR_HDR,
} from "../../src/milter/constants.js";

const ENVELOPE_STAGES = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOUNKNOWN;
const CONTENT_STAGES = SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NODATA;
const CONTENT_NO_REPLY = SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;

/** A body of `words` words that no other seed shares. */
function body(seed: string, words = 400): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(`${seed}w${(i * 7919) % 1009}`);
  return out.join(" ").replace(/(.{70}) /g, "$1\r\n") + "\r\n";
}

/** The X-Least-Work label of each body sent in one session, as [found, sampled]. */
async function labels(milter: MilterTarget, bodies: string[]) {
  const client = await MilterClient.connect(milter.spec, { style: "postfix" });
  try {
    const { protocol } = await client.negotiate();
    const out: { action: string | undefined; found: number; sampled: number }[] = [];
    for (const text of bodies) {
      const result = await client.transaction(simpleMessage("a@example.com", ["b@example.org"], "hi", text));
      const header = (result.eom?.modifications ?? []).find((m) => m.kind === "addHeader");
      const match = header && "value" in header ? /^(\d+) of (\d+)$/.exec(header.value) : null;
      assert.ok(match, `one X-Least-Work header: ${JSON.stringify(result.eom?.modifications)}`);
      out.push({ action: result.eom?.action, found: Number(match[1]), sampled: Number(match[2]) });
    }
    return { protocol, out };
  } finally {
    await client.quit();
  }
}

void describe("the C milter of the design's least work (benchmark reference)", () => {
  let milter: MilterTarget;
  before(async () => {
    milter = await startCLeastWork();
  });
  after(async () => {
    await milter?.stop();
  });

  void test("negotiates as the C no-op's -r: the envelope skipped, the content under no-reply promises (§1.5)", async () => {
    const { protocol } = await labels(milter, [body("negotiate")]);
    assert.equal(protocol & ENVELOPE_STAGES, ENVELOPE_STAGES, `skips the envelope: 0x${protocol.toString(16)}`);
    assert.equal(protocol & CONTENT_STAGES, 0, `reads headers, body and DATA: 0x${protocol.toString(16)}`);
    assert.equal(protocol & CONTENT_NO_REPLY, CONTENT_NO_REPLY, `promises no reply: 0x${protocol.toString(16)}`);
    assert.equal(protocol & SMFIP_NR_DATA, 0, "answers DATA (real-mta-lab.md, trap 2)");
  });

  void test("claims a body's sampled values: its copy finds every one of them, another body none", async () => {
    const { out } = await labels(milter, [body("first"), body("first"), body("second")]);
    assert.equal(out.length, 3);
    const [first, copy, other] = out as [(typeof out)[0], (typeof out)[0], (typeof out)[0]];
    assert.deepEqual(
      out.map((o) => o.action),
      ["continue", "continue", "continue"],
    );
    // A quarter of a bottom-128 sketch is sampled, give or take the values' spread.
    assert.ok(first.sampled >= 16 && first.sampled <= 64, `sampled ${first.sampled} of 128`);
    assert.equal(first.found, 0, "a new body's values are nobody's yet");
    assert.deepEqual(copy, { action: "continue", found: first.sampled, sampled: first.sampled });
    assert.equal(other.found, 0, "a different body shares none of them");
  });
});
