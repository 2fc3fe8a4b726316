/**
 * Property-based fuzzing (fast-check) of the frame decoder and the session: random bytes and random command orders
 * never crash or hang, never get a reply where a no-reply promise was made, and a malformed stream closes only its
 * own session (milter-protocol.md §1.2, §1.5, §1.12).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CommandError, encodeCommand } from "../../src/milter/commands.js";
import { FrameDecoder } from "../../src/milter/decoder.js";
import { NO_REPLY_FLAG } from "../../src/milter/negotiate.js";
import { ProtocolError } from "../../src/engine/typescript/session-transport.js";
import { noopPolicy } from "../../src/policy/noop-policy.js";
import type { Stage } from "../../src/vocabulary/stage.js";
import { SessionHarness } from "../support/session-harness.js";

test("decoder: any bytes, any split: the same frames or the same error, never a throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(600), { maxLength: 6 }), (bytes, cuts) => {
      const data = Buffer.from(bytes);
      const whole = new FrameDecoder(512).push(data);
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const d = new FrameDecoder(512);
      const frames: string[] = [];
      let error: unknown = null;
      let from = 0;
      for (const at of [...points, data.length]) {
        const r = d.push(data.subarray(from, at));
        from = at;
        if (!Array.isArray(r)) {
          error = r;
          break;
        }
        frames.push(...r.map((f) => `${f.code}:${f.payload.toString("hex")}`));
      }
      if (Array.isArray(whole)) {
        assert.equal(error, null);
        assert.deepEqual(
          frames,
          whole.map((f) => `${f.code}:${f.payload.toString("hex")}`),
        );
      } else {
        assert.deepEqual(error, whole);
      }
    }),
    { numRuns: 400 },
  );
});

type Cmd = { stage: Stage | "abort" | "eob" | "macro"; bytes: Buffer };
const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant<Cmd>({
    stage: "connect",
    bytes: encodeCommand.connect({ hostname: "h", family: "inet", address: "10.1.1.1", port: 1 }),
  }),
  fc.string().map<Cmd>((s) => ({ stage: "helo", bytes: encodeCommand.helo(s) })),
  fc.emailAddress().map<Cmd>((s) => ({ stage: "mail", bytes: encodeCommand.mail(s) })),
  fc.emailAddress().map<Cmd>((s) => ({ stage: "rcpt", bytes: encodeCommand.rcpt(s) })),
  fc.constant<Cmd>({ stage: "data", bytes: encodeCommand.data() }),
  fc
    .tuple(fc.string({ minLength: 1 }), fc.string())
    .map<Cmd>(([n, v]) => ({ stage: "header", bytes: encodeCommand.header(n, v) })),
  fc.constant<Cmd>({ stage: "eoh", bytes: encodeCommand.eoh() }),
  fc.uint8Array({ maxLength: 300 }).map<Cmd>((b) => ({ stage: "body", bytes: encodeCommand.body(Buffer.from(b)) })),
  fc.constant<Cmd>({ stage: "eob", bytes: encodeCommand.eob() }),
  fc.constant<Cmd>({ stage: "abort", bytes: encodeCommand.abort() }),
  fc.tuple(fc.constantFrom(..."CHMRTLNBEU"), fc.array(fc.string(), { maxLength: 5 })).map<Cmd>(([code, strings]) => ({
    stage: "macro",
    bytes: encodeCommand.macro(
      code.charCodeAt(0),
      strings.map((s) => [s, s] as [string, string]),
    ),
  })),
);

test("session: random command orders under random offers get exactly the replies owed", async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(0x1fffff), fc.array(commandArb, { maxLength: 40 }), async (offeredProtocol, commands) => {
      const h = new SessionHarness(noopPolicy(), {
        noReplyStages: ["connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body"],
      });
      h.send(encodeCommand.optneg(6, 0x1ff, offeredProtocol));
      const [neg] = await h.waitFor(1);
      assert.ok(neg?.type === "optneg");
      assert.equal(neg.protocol & ~offeredProtocol, 0, "protocol mask is a subset of the offer");
      let owed = 1;
      for (const c of commands) {
        h.send(c.bytes);
        if (c.stage === "eob") owed++;
        else if (c.stage !== "abort" && c.stage !== "macro") {
          const flag = NO_REPLY_FLAG[c.stage] ?? 0;
          if ((neg.protocol & flag) === 0) owed++;
        }
      }
      await h.waitFor(owed, 2000);
      await new Promise((r) => setTimeout(r, 1));
      assert.equal(h.responses.length, owed, "no reply where none was owed");
      assert.equal(h.closed, null, "valid commands in any order never close the session");
    }),
    { numRuns: 150 },
  );
});

/**
 * A session the fuzzer closed ended by a quit or by the peer's protocol error (a malformed frame or payload), never
 * by an error of Floodgate's own (a TypeError, a RangeError): those are the "internal" closes.
 */
function assertClosedByPeer(h: SessionHarness): void {
  if (h.closed === null || h.closed === "clean") return;
  const e = h.closed;
  assert.ok(e instanceof ProtocolError || e instanceof CommandError, `closed by ${e.name}: ${e.message}`);
}

/** After the policy's promises and the session's yielded turns have run, so a late failure is seen too. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

test("session: random bytes after negotiation never throw, and close the session only for a protocol error", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
      const h = new SessionHarness(noopPolicy());
      h.send(encodeCommand.optneg(6, 0x1ff, 0x1fffff));
      assert.doesNotThrow(() => h.send(Buffer.from(bytes)));
      await settled();
      assertClosedByPeer(h);
    }),
    { numRuns: 500 },
  );
});

test("session: a hostile stream of valid frames with garbage payloads never throws, closes only for a protocol error", async () => {
  const codes = [..."ABCDEHKLMNOQRTU"].map((c) => c.charCodeAt(0));
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...codes), fc.uint8Array({ maxLength: 64 })), { maxLength: 30 }),
      async (frames) => {
        const h = new SessionHarness(noopPolicy());
        h.send(encodeCommand.optneg(6, 0x1ff, 0x1fffff));
        for (const [code, payload] of frames) {
          const b = Buffer.alloc(5 + payload.length);
          b.writeUInt32BE(payload.length + 1, 0);
          b[4] = code;
          b.set(payload, 5);
          assert.doesNotThrow(() => h.send(b));
        }
        await settled();
        assertClosedByPeer(h);
      },
    ),
    { numRuns: 500 },
  );
});
