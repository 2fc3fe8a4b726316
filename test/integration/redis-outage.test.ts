/**
 * The Redis outage scenarios in one process, so that they overlap: the alarms' floods (redis-outage-alarms.suite.ts)
 * are over within a minute, then the scenarios wait for their alerts to resolve, with nothing to do but read their
 * webhook. The variants (redis-outage-variants.suite.ts) run from then on, beside that wait (and not before it: an
 * alarm is held to 30 s, which a crowd of daemons starting beside it must not eat into). Every place (Redis,
 * webhook receiver, the daemons' ports) is taken before any scenario starts: a Redis stopped for an outage, or a
 * receiver closed for one, frees its port, which a port taken later beside it could otherwise be.
 */
import { before, describe } from "node:test";
import { cleanupsAfter } from "../support/cleanups.js";
import { reservePlaces, type Place } from "../support/alerts.js";
import { alarmPlaceKeys, defineRedisDownAlarms } from "./redis-outage-alarms.suite.js";
import { defineOutageVariants, variantPlaceKeys } from "./redis-outage-variants.suite.js";

// The suite is one test of the runner: its scenarios' bounded waits may together pass `make test`'s 300 s default for
// a test on a busy host.
describe("Redis outages", { concurrency: true, timeout: 600_000 }, () => {
  const cleanups = cleanupsAfter();
  const places = new Map<string, Place>();
  before(async () => {
    for (const [k, v] of await reservePlaces([...alarmPlaceKeys, ...variantPlaceKeys], cleanups)) places.set(k, v);
  });

  defineOutageVariants(places, defineRedisDownAlarms(places));
});
