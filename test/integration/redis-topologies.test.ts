/**
 * A fleet's shared Redis as Redis Cluster (three masters) and behind Sentinel: the daemon, a scan worker process and
 * the CLI all work on it. The campaign store's Lua script and BullMQ's keys stay in one slot each (hash tags), a
 * campaign is recognised, scanned once, and its verdict and a block reach the fast path. A Sentinel failover: the old
 * master turned replica refuses writes (READONLY), the daemon reconnects to the new master through Sentinel, and a
 * block applies on every copy meanwhile.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MilterClient, simpleMessage, type TestMessage } from "../../src/client/milter-client.js";
import { metricValue, runCli, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { Redis } from "ioredis";
import { pollUntil } from "../support/poll.js";
import { rawToTestMessage } from "../../src/client/raw-message.js";
import { loadHam, type CorpusMessage } from "../../src/lab/corpus.js";
import { startRedisCluster, startSentinel, type RedisTopology } from "../support/redis-topologies.js";
import { stopInOrder } from "../support/cleanups.js";

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
  after(() => stopInOrder(daemon, cluster));

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
  after(() => stopInOrder(daemon, sentinel, redis));

  test("campaigns, scans, verdicts and the CLI through Sentinel", () => exercise(daemon, "sentinel"));
});

describe("a Sentinel failover", () => {
  let master: TestRedis;
  let replica: TestRedis;
  let sentinel: RedisTopology;
  let daemon: DaemonProcess;
  const admin = (r: TestRedis) => new Redis(r.url);
  before(async () => {
    [master, replica] = await Promise.all([startTestRedis(), startTestRedis()]);
    const r = admin(replica);
    await r.call("REPLICAOF", "127.0.0.1", String(master.port));
    await pollUntil("the replica to sync", async () => /master_link_status:up/.test(await r.info("replication")));
    r.disconnect();
    sentinel = await startSentinel(master.port);
    const s = new Redis({ host: "127.0.0.1", port: Number(sentinel.nodes[0]?.split(":")[1]) });
    await pollUntil("Sentinel to know the replica", async () => {
      const replicas = (await s.call("SENTINEL", "REPLICAS", "mymaster")) as string[][];
      return replicas.some((fields) => fields.includes(String(replica.port)));
    });
    s.disconnect();
    daemon = await startDaemonProcess({
      redis: { url: "redis://", mode: "sentinel", sentinels: sentinel.nodes, sentinelName: "mymaster" },
      policy: { holdBulk: false, dependencyFailMode: "continue" },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
    });
  });
  after(() => stopInOrder(daemon, sentinel, replica, master));

  test("the daemon follows the new master; a block applies on every copy through the failover", async () => {
    const { client, id } = await blockedCampaign(daemon, "failover");
    const s = new Redis({ host: "127.0.0.1", port: Number(sentinel.nodes[0]?.split(":")[1]) });
    await s.call("SENTINEL", "FAILOVER", "mymaster");
    await pollUntil("Sentinel to name the replica as master", async () => {
      const [, port] = (await s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) as string[];
      return port === String(replica.port);
    });
    s.disconnect();
    const old = admin(master);
    await pollUntil("the old master to become a replica", async () => /role:slave/.test(await old.info("replication")));
    old.disconnect();
    await throughFailover(daemon, client, id, "failover");
    await client.quit();
  });
});

/** A campaign seen once through the daemon and blocked with the CLI, and the session it was sent in. */
async function blockedCampaign(daemon: DaemonProcess, campaign: string) {
  const client = await MilterClient.connect(daemon.milter);
  await client.open();
  const id = headerOf(await client.transaction(copy(0, campaign)), "X-Floodgate-Campaign")?.split(";")[0];
  assert.ok(id);
  const blocked = await runCli(["block", id, "--ttl", "1h", "--config", daemon.configPath]);
  assert.equal(blocked.code, 0, blocked.stderr);
  return { client, id };
}

/**
 * Through and after a failover, until a new campaign is counted on the new master: the blocked campaign is refused
 * on every copy, nothing goes out as redis-error, and the daemon is ready again.
 */
async function throughFailover(daemon: DaemonProcess, client: MilterClient, id: string, campaign: string) {
  // Distinct real messages: each starts a campaign of its own once writes are taken again.
  const hams = loadHam({ limit: 300 }).filter((m) => m.bytes.length > 1000 && m.bytes.length < 20_000);
  let i = 1;
  const answers: string[] = [];
  await pollUntil(
    "a new campaign counted on the new master",
    async () => {
      const r = await client.transaction(copy(i++, campaign));
      answers.push(r.eom?.reply ?? `${r.eom?.action}: ${headerOf(r, "X-Floodgate-Status")}`);
      const ham = hams[i % hams.length] as CorpusMessage;
      const fresh = await client.transaction(rawToTestMessage(ham.bytes, "list@ham.example.org", [`u${i}@box.lab`]));
      const status = headerOf(fresh, "X-Floodgate-Status") ?? "";
      answers.push(status);
      return /^\w+; copies=1/.test(headerOf(fresh, "X-Floodgate-Campaign") ?? "") && !status.startsWith("skipped");
    },
    60_000,
    200,
  );
  const log = () =>
    daemon
      .logs()
      .split("\n")
      .filter((l) => /fail mode|redis|Redis/.test(l))
      .join("\n");
  for (const [k, a] of answers.entries()) {
    if (k % 2 === 0)
      assert.match(a, new RegExp(`^550 5\\.7\\.1 .*${id}`), `copy ${k / 2} of the blocked campaign\n${log()}`);
    assert.doesNotMatch(a, /redis-error/);
  }
  // Ready again once the write probe has seen the new master take writes.
  let body = "";
  await pollUntil("/readyz to answer 200", async () => {
    const r = await fetch(`${daemon.metricsUrl}/readyz`);
    body = await r.text();
    return r.status === 200;
  }).catch((err: Error) => assert.fail(`${err.message}: ${body}`));
}

/** The master serving the slot of the deployment's keys (hash tag `{fg}`) and its replica, from CLUSTER NODES. */
async function shardOfPrefix(node: string): Promise<{ master: string; replica: string }> {
  const [host, port] = node.split(":");
  const r = new Redis({ host, port: Number(port) });
  try {
    const slot = Number(await r.call("CLUSTER", "KEYSLOT", "{fg}"));
    const lines = String(await r.call("CLUSTER", "NODES"))
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    const serves = (fields: string[]) =>
      fields.slice(8).some((range) => {
        const [first = -1, last = first] = range.split("-").map(Number);
        return slot >= first && slot <= last;
      });
    const master = lines.find((f) => (f[2] ?? "").includes("master") && serves(f));
    const replica = lines.find((f) => f[3] === master?.[0]);
    if (!master || !replica) throw new Error(`no master and replica for slot ${slot}`);
    const addr = (f: string[]) => (f[1] ?? "").split("@")[0] as string;
    return { master: addr(master), replica: addr(replica) };
  } finally {
    r.disconnect();
  }
}

describe("a Redis Cluster failover", () => {
  let cluster: RedisTopology;
  let daemon: DaemonProcess;
  before(async () => {
    cluster = await startRedisCluster({ replicas: 1 });
    daemon = await startDaemonProcess({
      redis: { url: `redis://${cluster.nodes[0]}`, mode: "cluster", clusterNodes: cluster.nodes },
      policy: { holdBulk: false, dependencyFailMode: "continue" },
      queue: { enabled: false },
      scanWorker: { processes: 0 },
    });
  });
  after(() => stopInOrder(daemon, cluster));

  test("the daemon follows the promoted replica of its keys' shard; a block applies on every copy", async () => {
    const { client, id } = await blockedCampaign(daemon, "cluster-failover");
    const shard = await shardOfPrefix(cluster.nodes[0] as string);
    const [host, port] = shard.replica.split(":");
    const promoted = new Redis({ host, port: Number(port) });
    await promoted.call("CLUSTER", "FAILOVER");
    await pollUntil("the replica to be promoted", async () => /role:master/.test(await promoted.info("replication")));
    promoted.disconnect();
    await throughFailover(daemon, client, id, "cluster-failover");
    await client.quit();
  });
});
