// The daemon's private spamd, a real SpamAssassin spamd: under root it runs as debian-spamd in a 0700 directory of
// its own in the state directory, reached through a 0600 unix socket only (no TCP port) that another local user
// cannot open, keeps its Bayes database there, learns what it is told, and one left behind is stopped by the next
// start; at the idle priority, it and every process it forks run in the SCHED_IDLE class and the idle I/O class.
// Then `floodgate run` on the defaults: it starts the private spamd beside its scan worker process and scans with it,
// both idle while the daemon is not, stops it at exit and when killed; a host with no scan worker process starts
// none; a spamd that cannot start leaves the built-in rules, and the start log says so.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/schema.js";
import { createScanners } from "../../src/scanners/index.js";
import { GTUBE } from "../../src/scanners/builtin-rules.js";
import { startPrivateSpamd, type PrivateSpamd } from "../../src/scanners/private-spamd.js";
import { cmdline, descendants } from "../../src/harness/procs.js";
import { priorityPrefix } from "../../src/state/background-priority.js";
import { pingSpamd } from "../../src/scanners/spamd.js";
import { PROGRAM_ATTACHED_RULE } from "../../src/scanners/spamd-attachment-rules.js";
import { isRunning, readRecord, recordOf } from "../../src/state/pidfile.js";
import { findUser } from "../../src/state/service-user.js";
import { openStateDir } from "../../src/state/state-dir.js";
import { metricValue, startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { MilterClient, simpleMessage } from "../../src/client/milter-client.js";
import { pollUntil } from "../support/poll.js";
import { notIdle, threadsScheduling } from "../support/priority.js";

const settings = { binary: "spamd", children: 1, networkTests: false, user: null };
const modeOf = (path: string) => statSync(path).mode & 0o777;
const gtube = Buffer.from(
  `From: a@example.com\r\nTo: b@example.org\r\nSubject: test\r\nMessage-ID: <gtube@example.com>\r\n\r\n${GTUBE}\r\n`,
);
const root = process.geteuid?.() === 0;

/** Pids of spamd processes (parent and children) whose socket or cwd is `dir`. */
function spamdsIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const line = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (line.includes("spamd") && line.includes(dir)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

void describe("the private spamd", () => {
  const started: PrivateSpamd[] = [];
  after(async () => {
    for (const s of started) await s.stop();
  });

  void test("runs as debian-spamd in its own 0700 directory, on a 0600 socket only, idle, and scans", async () => {
    assert.ok(root, "this test checks spamd runs as another user: run the suite as root, as make test does on Debian");
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-ps-")));
    const spamd = await startPrivateSpamd(state, settings, { priority: priorityPrefix("idle") });
    started.push(spamd);
    const dir = join(state.path, "spamd");
    assert.equal(spamd.socket, join(dir, "spamd.sock"));
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(spamd.socket), 0o600);
    const status = readFileSync(`/proc/${spamd.service.process.pid}/status`, "utf8");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const user = findUser("debian-spamd") ?? findUser("nobody");
    assert.ok(user, "debian-spamd or nobody exists");
    assert.equal(uid, user.uid, "never root");
    assert.equal(statSync(dir).uid, user.uid, "its directory is its user's");
    assert.equal(modeOf(state.path) & 0o007, 0o001, "the state directory lets it pass, not list");
    for (const other of readdirSync(state.path).filter((n) => n !== "spamd"))
      assert.equal(modeOf(join(state.path, other)) & 0o077, 0, `${other} stays private`);
    const pid = spamd.service.process.pid!;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean);
    assert.ok(children.length >= 1, "spamd forked its scanning child");
    assert.deepEqual([pid, ...children.map(Number)].flatMap(notIdle), [], "spamd and its children are idle");
    const listening = spawnSync("ss", ["-Hltnp"], { encoding: "utf8" }).stdout;
    assert.ok(!listening.includes(`pid=${spamd.service.process.pid},`), `spamd listens on no TCP port:\n${listening}`);

    const scanner = createScanners(defaultConfig().scanWorker.scanners, spamd.socket)[0];
    assert.ok(scanner);
    assert.equal(scanner.name, "spamd");
    const result = await scanner.scan(gtube);
    assert.equal(result.verdict, "spam");
    assert.ok(result.rules.includes("GTUBE"), `GTUBE among ${result.rules.join(",")}`);
  });

  // README, "What a ham verdict covers": a copy attaching a kind of file its campaign's scans did not see is scanned,
  // and the private spamd weighs a program or a script attached (src/scanners/spamd-attachment-rules.ts).
  void test("scores a program or a script attached as spam, by its name or its content; not a PDF or a text file", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-ps-")));
    const spamd = await startPrivateSpamd(state, settings);
    started.push(spamd);
    const scanner = createScanners(defaultConfig().scanWorker.scanners, spamd.socket)[0]!;
    const windowsProgram = Buffer.concat([Buffer.from("MZ\x90\x00\x03", "latin1"), Buffer.alloc(300)]);
    const attached: Record<string, [string, string]> = {
      "a Windows program named as a PDF": [
        'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="statement.pdf"\r\n' +
          "Content-Transfer-Encoding: base64",
        windowsProgram.toString("base64"),
      ],
      "a script behind a PDF's name": [
        'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="statement.pdf.js"',
        "WScript.Echo(1)",
      ],
      "a shortcut named in RFC 2231's encoding": [
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''statement%2Elnk",
        "x",
      ],
      "a disk image whose name ends in a dot and a space": [
        'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="statement.iso. "',
        "x",
      ],
      "an HTML application named in the content type": ['Content-Type: application/hta; name="Statement.HTA"', "x"],
    };
    const harmless: Record<string, [string, string]> = {
      "a PDF": [
        'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="statement.pdf"',
        "%PDF-1.4",
      ],
      "a text file": ['Content-Type: text/plain\r\nContent-Disposition: attachment; filename="notes.js.txt"', "notes"],
    };
    const withFile = ([headers, content]: [string, string]) =>
      Buffer.from(
        "From: a@bank.example\r\nTo: b@box.example\r\nSubject: Your statement\r\nMessage-ID: <s@bank.example>\r\n" +
          "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=part\r\n\r\n--part\r\n" +
          "Content-Type: text/plain\r\n\r\nYour statement is attached.\r\n" +
          `--part\r\n${headers}\r\n\r\n${content}\r\n--part--\r\n`,
        "latin1",
      );
    for (const [what, file] of Object.entries(attached)) {
      const result = await scanner.scan(withFile(file));
      assert.ok(result.rules.includes(PROGRAM_ATTACHED_RULE), `${what}: ${result.rules.join(",")}`);
      assert.equal(result.verdict, "spam", what);
    }
    for (const [what, file] of Object.entries(harmless)) {
      const result = await scanner.scan(withFile(file));
      assert.ok(!result.rules.includes(PROGRAM_ATTACHED_RULE), `${what}: ${result.rules.join(",")}`);
      assert.notEqual(result.verdict, "spam", `${what} scores ${result.score}`);
    }
  });

  void test("another local user cannot reach its socket", async () => {
    assert.ok(root, "this test acts as another user: run the suite as root, as make test does on Debian");
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-ps-")));
    const spamd = await startPrivateSpamd(state, settings);
    started.push(spamd);
    const script = `require("net").connect({path:${JSON.stringify(spamd.socket)}}).on("connect",()=>process.exit(0)).on("error",e=>{console.log(e.code);process.exit(3)})`;
    const nobody = findUser("nobody");
    assert.ok(nobody, "the nobody user exists");
    const run = spawnSync(
      "setpriv",
      [`--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, "--clear-groups", process.execPath, "-e", script],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 3, `nobody could connect: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /EACCES/);
    assert.ok(await pingSpamd({ path: spamd.socket }), "Floodgate itself can");
  });

  void test("learns what it is told into its Bayes database in its directory", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-ps-")));
    const spamd = await startPrivateSpamd(state, settings);
    started.push(spamd);
    const [scanner] = createScanners(defaultConfig().scanWorker.scanners, spamd.socket);
    await scanner!.learn!(gtube, "spam");
    const dir = join(state.path, "spamd");
    const bayes = readdirSync(dir).filter((n) => n.startsWith("bayes_"));
    assert.ok(bayes.includes("bayes_toks"), `Bayes files in ${dir}: ${bayes.join(", ")}`);
    for (const file of bayes) assert.equal(modeOf(join(dir, file)) & 0o077, 0, `${file} is private`);
    await scanner!.learn!(gtube, "forget", "spam");
  });

  void test("one left behind (its daemon killed) is stopped by the next start: never two", async () => {
    const state = openStateDir(mkdtempSync(join(tmpdir(), "fg-ps-")));
    const first = await startPrivateSpamd(state, settings);
    const leftover = recordOf(first.service.process.pid ?? -1);
    const second = await startPrivateSpamd(state, settings);
    started.push(second);
    assert.ok(!isRunning(leftover), "the leftover was stopped");
    assert.equal(readRecord(join(state.path, "spamd", "spamd.pid"))?.pid, second.service.process.pid);
    assert.ok(await pingSpamd({ path: second.socket }));
  });
});

/** The start log's line of message `msg` ("" when none). */
const logLine = (daemon: DaemonProcess, msg: string) =>
  daemon
    .logs()
    .split("\n")
    .find((l) => l.includes(`"msg":"${msg}"`)) ?? "";

/** What the scan worker processes logged about their scans. */
const scanLines = (daemon: DaemonProcess) =>
  daemon
    .logs()
    .split("\n")
    .filter((l) => /"msg":"(scan verdict|scanner failed|scan job[^"]*)"/.test(l))
    .join("\n");

/** The daemon's scan worker processes and spamd processes (never its private Redis). */
function scanningSide(daemon: DaemonProcess): { workers: number[]; spamds: number[] } {
  const tree = descendants(daemon.process.pid!);
  return {
    workers: tree.filter((p) => cmdline(p).includes("scan-worker")),
    spamds: tree.filter((p) => cmdline(p).includes("spamd")),
  };
}

/** Wait for the start log's word on what the scan worker processes scan with. */
async function scanningWith(daemon: DaemonProcess, scanners: string): Promise<void> {
  await pollUntil(
    `"scanning with ${scanners}" in the log:\n${daemon.logs()}`,
    () => daemon.logs().includes(`"msg":"scanning with ${scanners}"`),
    120_000,
  );
}

/** Wait until the scan worker process runs node (past the priority's programs): its own "scan worker started". */
async function workerRunning(daemon: DaemonProcess): Promise<void> {
  await pollUntil(
    "the scan worker process's own start log",
    () => daemon.logs().includes(`"msg":"scan worker started"`),
    120_000,
  );
}

void describe("floodgate run and its private spamd", () => {
  const daemons: DaemonProcess[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  void test("starts it beside its scan worker process, scans with it, and stops it at exit and when killed", async () => {
    const parent = mkdtempSync(join(tmpdir(), "fg-ps-"));
    const stateDir = join(parent, "state");
    chmodSync(parent, 0o711);
    const daemon = await startDaemonProcess({}, { stateDir });
    daemons.push(daemon);
    await scanningWith(daemon, "spamd, builtin");
    await workerRunning(daemon);
    for (const msg of ["started the private spamd", "scanning with spamd, builtin"])
      assert.match(logLine(daemon, msg), /"priority":"SCHED_IDLE, idle I\/O"/, `the start log gives ${msg}'s priority`);
    const { workers, spamds } = scanningSide(daemon);
    assert.equal(workers.length, 1, "one scan worker process");
    assert.ok(spamds.length >= 2, `spamd and its child: ${spamds.join(", ")}`);
    assert.deepEqual([...workers, ...spamds].flatMap(notIdle), [], "the scanning side is idle, every thread of it");
    const busy = threadsScheduling(daemon.process.pid!).filter((t) => t.policy !== "SCHED_OTHER" || t.io === "idle");
    assert.deepEqual(busy, [], "the daemon's own threads keep the normal class");
    const client = await MilterClient.connect(daemon.milter);
    await client.open();
    const copy = (i: number) =>
      simpleMessage(`s${i}@bulk.example.com`, [`u${i}@box.lab`], "Offer", `Dear u${i},\n\n${GTUBE}\n`);
    let i = 0;
    // Copies before the verdict go on, or are held (451) once bulk: the scanning side runs on the CPU the mail path
    // leaves, which on a busy machine comes late.
    const refusal = await pollUntil(
      "a copy refused (5xx) on the private spamd's verdict",
      async () => {
        const eom = (await client.transaction(copy(i++))).eom;
        return eom?.action === "replyCode" && eom.reply?.startsWith("5") ? eom : null;
      },
      180_000,
      200,
    );
    const status = refusal.modifications.find((m) => m.kind === "addHeader" && m.name === "X-Floodgate-Status");
    assert.match(JSON.stringify(status), /reject; campaign-spam; scanner=spamd/);
    await client.quit();
    assert.ok(
      (await metricValue(daemon.metricsUrl, "floodgate_campaign_decisions_total", { by: "spamd", state: "spam" })) >= 1,
      `decisions counted by the scanner that judged; the scan worker said:\n${scanLines(daemon)}`,
    );
    const dir = join(stateDir, "spamd");
    assert.ok(existsSync(join(dir, "spamd.sock")));
    assert.ok(spamdsIn(dir).length > 0);
    assert.equal(await daemon.stop(), 0);
    assert.deepEqual(spamdsIn(dir), [], "stopped with the daemon");

    const again = await startDaemonProcess({}, { stateDir });
    daemons.push(again);
    await scanningWith(again, "spamd, builtin");
    again.process.kill("SIGKILL");
    await pollUntil("the killed daemon's spamd to end", () => spamdsIn(dir).length === 0, 20_000);
  });

  void test("a state directory its user cannot reach: the start log says why, and the built-in rules scan", async () => {
    assert.ok(root, "run the suite as root, as make test does on Debian");
    const stateDir = join(mkdtempSync(join(tmpdir(), "fg-ps-")), "state");
    const daemon = await startDaemonProcess({}, { stateDir });
    daemons.push(daemon);
    await scanningWith(daemon, "builtin");
    assert.match(daemon.logs(), /does not let uid \d+ pass to the state directory/);
  });

  void test("a host with no scan worker process starts none", async () => {
    const stateDir = join(mkdtempSync(join(tmpdir(), "fg-ps-")), "state");
    const daemon = await startDaemonProcess({ scanWorker: { processes: 0 } }, { stateDir });
    daemons.push(daemon);
    assert.match(daemon.logs(), /no scan worker processes on this host: the private spamd is not started/);
    assert.deepEqual(spamdsIn(join(stateDir, "spamd")), []);
  });

  void test("a spamd that cannot start leaves the built-in rules, and the start log says so", async () => {
    const daemon = await startDaemonProcess({
      scanWorker: {
        priority: "low",
        scanners: [{ type: "spamd", private: { binary: "/nonexistent/spamd" } }, { type: "builtin" }],
      },
    });
    daemons.push(daemon);
    await scanningWith(daemon, "builtin");
    assert.match(daemon.logs(), /the private spamd cannot start: scanning with builtin instead/);
    assert.match(logLine(daemon, "scanning with builtin"), /"priority":"nice 19, idle I\/O"/);
    await workerRunning(daemon);
    const [worker, ...more] = scanningSide(daemon).workers;
    assert.ok(worker !== undefined && more.length === 0, "one scan worker process");
    const threads = threadsScheduling(worker);
    assert.ok(threads.length > 1, "node's threads");
    for (const t of threads) assert.deepEqual([t.policy, t.nice, t.io], ["SCHED_OTHER", 19, "idle"], `thread ${t.tid}`);
  });
});
