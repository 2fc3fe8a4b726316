/**
 * The scan budget's measure (src/policy/mail-path-load.ts): the end-of-message rate over the last ten seconds, and
 * the busy state entered at `queue.busyRate` and left below 70 % of it. The clock is a variable: no sleeps, no times.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LEAVE_SHARE, MailPathLoad, WINDOW_SECONDS } from "../../src/policy/mail-path-load.js";

function loadAt(start = 1_800_000_000_000) {
  const clock = { now: start };
  const load = new MailPathLoad(() => clock.now);
  const send = (n: number) => {
    for (let i = 0; i < n; i++) load.note();
  };
  return { clock, load, send };
}

void test("the rate is the ends of message of the last ten seconds, averaged; older seconds fall out", () => {
  const { clock, load, send } = loadAt();
  assert.equal(load.rate(), 0);
  send(50);
  assert.equal(load.rate(), 50 / WINDOW_SECONDS);
  clock.now += 1000;
  send(30);
  assert.equal(load.rate(), 80 / WINDOW_SECONDS);
  clock.now += (WINDOW_SECONDS - 1) * 1000;
  assert.equal(load.rate(), 30 / WINDOW_SECONDS, "the first second left the window");
  clock.now += 1000;
  assert.equal(load.rate(), 0);
  // A slot reused a window later counts only its new second.
  send(7);
  assert.equal(load.rate(), 7 / WINDOW_SECONDS);
});

void test("busy is entered at the rate, left below 70 % of it, and never at 0", () => {
  const { load, send } = loadAt();
  const busyRate = 10;
  send(busyRate * WINDOW_SECONDS - 1);
  assert.deepEqual(load.busy(busyRate), { busy: false, edge: null });
  send(1);
  assert.deepEqual(load.busy(busyRate), { busy: true, edge: "entered" });
  assert.deepEqual(load.busy(busyRate), { busy: true, edge: null });
  assert.deepEqual(load.busy(0), { busy: false, edge: "left" }, "0 turns the budget off");
  assert.deepEqual(load.busy(busyRate), { busy: true, edge: "entered" });

  // The window moves on with nothing sent: the rate falls, and busy holds until under LEAVE_SHARE of the rate.
  const fresh = loadAt();
  for (let s = 0; s < WINDOW_SECONDS; s++) {
    fresh.send(busyRate);
    fresh.clock.now += 1000;
  }
  assert.equal(fresh.load.busy(busyRate).busy, false, "the last second's slot is already out: 9 seconds of 10");
  fresh.send(busyRate);
  assert.deepEqual(fresh.load.busy(busyRate), { busy: true, edge: "entered" });
  // Quiet seconds: the rate falls by a tenth of busyRate a second; busy holds down to LEAVE_SHARE of it, then leaves.
  const leaveAfter = Math.floor(WINDOW_SECONDS * (1 - LEAVE_SHARE)) + 1;
  for (let s = 1; s <= leaveAfter; s++) {
    fresh.clock.now += 1000;
    const { busy, edge } = fresh.load.busy(busyRate);
    const rate = fresh.load.rate();
    assert.equal(busy, rate >= busyRate * LEAVE_SHARE, `after ${s} s quiet, rate ${rate}`);
    if (!busy) assert.equal(edge, "left");
  }
  assert.equal(fresh.load.busy(busyRate).busy, false);
  assert.ok(fresh.load.rate() < busyRate * LEAVE_SHARE);
});
