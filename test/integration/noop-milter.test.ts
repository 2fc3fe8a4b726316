/**
 * The C no-op milter the benchmarks compare against (native/noop-milter.c): by default it takes every stage the MTA
 * offers and changes nothing; with `-e` it negotiates every stage away but end of message, the least conversation
 * a milter can ask for (the bench's "Postfix + C no-op, end of message only" row), or with `-d` all but DATA and end of
 * message; with `-r` it reads the whole
 * message under no-reply promises, answers DATA and adds one header (the reference for a milter that must read the
 * message). Each answers a whole transaction.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { startCNoop, type CNoopMode } from "../../src/harness/targets.js";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import {
  SMFIP_NOBODY,
  SMFIP_NOCONNECT,
  SMFIP_NODATA,
  SMFIP_NOEOH,
  SMFIP_NOHDRS,
  SMFIP_NOHELO,
  SMFIP_NOMAIL,
  SMFIP_NORCPT,
  SMFIP_NOUNKNOWN,
  SMFIP_NR_BODY,
  SMFIP_NR_DATA,
  SMFIP_NR_EOH,
  SMFIP_NR_HDR,
} from "../../src/milter/constants.js";

const EVERY_STAGE_BUT_EOM =
  SMFIP_NOCONNECT |
  SMFIP_NOHELO |
  SMFIP_NOMAIL |
  SMFIP_NORCPT |
  SMFIP_NOHDRS |
  SMFIP_NOEOH |
  SMFIP_NOBODY |
  SMFIP_NOUNKNOWN |
  SMFIP_NODATA;

const ENVELOPE_STAGES = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOUNKNOWN;
const CONTENT_STAGES = SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NODATA;
const CONTENT_NO_REPLY = SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;

/** The protocol mask the milter negotiates, the end-of-message action of one transaction and its modifications. */
async function converse(mode: CNoopMode) {
  const milter = await startCNoop({ mode });
  try {
    const client = await MilterClient.connect(milter.spec, { style: "postfix" });
    try {
      const { protocol } = await client.negotiate();
      const result = await client.transaction(
        simpleMessage("a@example.com", ["b@example.org"], "hello", "a short body\r\n"),
      );
      return { protocol, action: result.eom?.action, modifications: result.eom?.modifications ?? [] };
    } finally {
      await client.quit();
    }
  } finally {
    await milter.stop();
  }
}

void describe("the C no-op milter (benchmark baseline)", () => {
  void test("by default takes every stage and continues", async () => {
    const { protocol, action } = await converse("every");
    assert.equal(protocol & EVERY_STAGE_BUT_EOM, 0, `skips no stage: 0x${protocol.toString(16)}`);
    assert.equal(action, "continue");
  });

  void test("with -e negotiates every stage away but end of message, and continues", async () => {
    const { protocol, action } = await converse("eom");
    assert.equal(protocol & EVERY_STAGE_BUT_EOM, EVERY_STAGE_BUT_EOM, `skips all: 0x${protocol.toString(16)}`);
    assert.equal(action, "continue");
  });

  void test("with -d negotiates every stage away but DATA and end of message, and continues", async () => {
    const { protocol, action } = await converse("data-eom");
    const skipped = EVERY_STAGE_BUT_EOM & ~SMFIP_NODATA;
    assert.equal(protocol & EVERY_STAGE_BUT_EOM, skipped, `skips all but DATA: 0x${protocol.toString(16)}`);
    assert.equal(action, "continue");
  });

  void test("with -r reads the whole message under no-reply promises, answers DATA and adds one header (§1.5)", async () => {
    const { protocol, action, modifications } = await converse("read");
    assert.equal(protocol & ENVELOPE_STAGES, ENVELOPE_STAGES, `skips the envelope: 0x${protocol.toString(16)}`);
    assert.equal(protocol & CONTENT_STAGES, 0, `reads headers, body and DATA: 0x${protocol.toString(16)}`);
    assert.equal(protocol & CONTENT_NO_REPLY, CONTENT_NO_REPLY, `promises no reply: 0x${protocol.toString(16)}`);
    assert.equal(protocol & SMFIP_NR_DATA, 0, "answers DATA (real-mta-lab.md, trap 2)");
    assert.equal(action, "continue");
    assert.deepEqual(modifications, [{ kind: "addHeader", name: "X-Noop", value: "read" }]);
  });
});
