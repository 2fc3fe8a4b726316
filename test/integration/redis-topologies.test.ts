/**
 * A fleet's shared Redis as Redis Cluster (three masters) and behind Sentinel: the daemon, a scan worker process and
 * the CLI all work on it. The campaign store's Lua script and BullMQ's keys stay in one slot each (hash tags), a
 * campaign is recognised, scanned once, and its verdict and a block reach the fast path.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient, simpleMessage, type TestMessage } from "../../src/client/milter-client.js";
import { metricValue, runCli, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { startRedisCluster, startSentinel, type RedisTopology } from "../support/redis-topologies.js";

const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
const PITCH =
  "Limited time only: our partners have selected you for an exclusive reward worth a fortune, claim it today by " +
  "following the link below before midnight, because this invitation will not be repeated and the stock of premium " +
  "watches, designer handbags and luxury gifts reserved for our most valued customers is running out very quickly.";

function copy(i: number, campaign: string): TestMessage {
  return simpleMessage(
    `offers${i}@mailer.example.com`,
    [`user${i}@box.lab`],
    `Your reward ${campaign}`,
    `Dear user${i},\n\n${PITCH}\n\n${GTUBE}\n\nhttps://claim.example.com/${campaign}?u=${i}\n`,
  );
}

const headerOf = (r: Awaited<ReturnType<MilterClient["transaction"]>>, name: string) =>
  (r.eom?.modifications.find((m) => "name" in m && m.name === name) as { value: string } | undefined)?.value.trim();

async function exercise(daemon: DaemonProcess, campaign: string): Promise<void> {
  const client = await MilterClient.connect(daemon.milter);
  await client.open();
  const first = await client.transaction(copy(0, campaign));
  const id = headerOf(first, "X-Floodgate-Campaign")?.split(";")[0];
  assert.ok(id, `the first copy is labelled with its campaign: ${JSON.stringify(first.eom)}`);
  // The scan worker judges the campaign (GTUBE: spam); further copies are then refused in the fast path.
  let last = "";
  const deadline = Date.now() + 60_000;
  for (let i = 1; Date.now() < deadline; i++) {
    const r = await client.transaction(copy(i, campaign));
    last = r.eom?.reply ?? `${r.eom?.action}: ${headerOf(r, "X-Floodgate-Status")}`;
    if (last.startsWith("550")) break;
    assert.equal(headerOf(r, "X-Floodgate-Campaign")?.split(";")[0], id, "every copy joins the same campaign");
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.match(last, new RegExp(`^550 5\\.7\\.1 .*${id}`));
  assert.equal(
    await metricValue(daemon.metricsUrl, "floodgate_scan_jobs_queued_total"),
    1,
    "one scan for the campaign",
  );

  const listed = await runCli(["campaigns", "--json", "--config", daemon.configPath]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(id));
  const unblocked = await runCli(["unblock", id, "--config", daemon.configPath]);
  assert.equal(unblocked.code, 0, unblocked.stderr);
  await client.quit();
}

describe("Redis Cluster", () => {
  let cluster: RedisTopology;
  let daemon: DaemonProcess;
  before(async () => {
    cluster = await startRedisCluster();
    daemon = await startDaemonProcess({
      redis: { url: `redis://${cluster.nodes[0]}`, mode: "cluster", clusterNodes: cluster.nodes },
      policy: { holdBulk: false },
      scanWorker: { processes: 1, scanners: [{ type: "builtin" }] },
    });
  });
  after(async () => {
    await daemon?.stop();
    await cluster?.stop();
  });

  test("campaigns, scans, verdicts and the CLI on a three-master cluster", () => exercise(daemon, "cluster"));
});

describe("Redis behind Sentinel", () => {
  let redis: TestRedis;
  let sentinel: RedisTopology;
  let daemon: DaemonProcess;
  before(async () => {
    redis = await startTestRedis();
    sentinel = await startSentinel(redis.port);
    daemon = await startDaemonProcess({
      redis: { url: redis.url, mode: "sentinel", sentinels: sentinel.nodes, sentinelName: "mymaster" },
      policy: { holdBulk: false },
      scanWorker: { processes: 1, scanners: [{ type: "builtin" }] },
    });
  });
  after(async () => {
    await daemon?.stop();
    await sentinel?.stop();
    await redis?.stop();
  });

  test("campaigns, scans, verdicts and the CLI through Sentinel", () => exercise(daemon, "sentinel"));
});
