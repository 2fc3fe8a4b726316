/**
 * The C no-op milter the benchmarks compare against (native/noop-milter.c): by default it takes every stage the MTA
 * offers and changes nothing; with `-e` it negotiates every stage away but end of message, the least conversation
 * a milter can ask for (the bench's "Postfix + C no-op, end of message only" row). Both answer a whole transaction.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { startCNoop } from "../../src/harness/targets.js";
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

/** The protocol mask the milter negotiates, and the end-of-message action of one transaction. */
async function converse(eomOnly: boolean): Promise<{ protocol: number; action: string | undefined }> {
  const milter = await startCNoop({ eomOnly });
  try {
    const client = await MilterClient.connect(milter.spec, { style: "postfix" });
    try {
      const { protocol } = await client.negotiate();
      const result = await client.transaction(
        simpleMessage("a@example.com", ["b@example.org"], "hello", "a short body\r\n"),
      );
      return { protocol, action: result.eom?.action };
    } finally {
      await client.quit();
    }
  } finally {
    await milter.stop();
  }
}

void describe("the C no-op milter (benchmark baseline)", () => {
  void test("by default takes every stage and continues", async () => {
    const { protocol, action } = await converse(false);
    assert.equal(protocol & EVERY_STAGE_BUT_EOM, 0, `skips no stage: 0x${protocol.toString(16)}`);
    assert.equal(action, "continue");
  });

  void test("with -e negotiates every stage away but end of message, and continues", async () => {
    const { protocol, action } = await converse(true);
    assert.equal(protocol & EVERY_STAGE_BUT_EOM, EVERY_STAGE_BUT_EOM, `skips all: 0x${protocol.toString(16)}`);
    assert.equal(action, "continue");
  });
});
