/**
 * smtp-sink's dumps as the Sendmail lab reads them (readSinkDir): a real smtp-sink, a transaction held open half-way
 * through its data, then finished or aborted. A dump counts only once smtp-sink has closed it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headerValues, readSinkDir } from "../../src/lab/maildir.js";
import { freePort, waitForPort } from "../../src/util/tcp-port.js";
import { openFiles } from "../support/sendmail.js";

const NOBODY = 65534;
let dir: string;
let sink: ChildProcess;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "floodgate-sink-dumps-"));
  chownSync(dir, NOBODY, NOBODY);
  port = await freePort();
  sink = spawn("/usr/sbin/smtp-sink", ["-u", "nobody", "-d", `${dir}/%H%M%S.`, `127.0.0.2:${port}`, "16"], {
    stdio: "ignore",
  });
  await waitForPort(port, { what: "smtp-sink", host: "127.0.0.2" });
});

after(async () => {
  sink.kill("SIGKILL");
  if (sink.exitCode === null && sink.signalCode === null) await once(sink, "exit");
  rmSync(dir, { recursive: true, force: true });
});

const held = () => openFiles(sink.pid);

/** Whether any dump on disk, finished or not, holds `id`. smtp-sink unlinks an aborted dump at any moment, so a file
 * listed may be gone when read. */
function onDisk(id: string): boolean {
  return readdirSync(dir).some((f) => {
    try {
      return readFileSync(join(dir, f), "latin1").includes(id);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  });
}

/** A line-wise SMTP client: `send` writes a command and resolves with the final line of its reply. */
async function smtpClient(): Promise<{ socket: Socket; send: (line: string) => Promise<string> }> {
  const socket = connect(port, "127.0.0.2");
  let buffered = "";
  const waiting: ((line: string) => void)[] = [];
  socket.on("data", (d: Buffer) => {
    buffered += d.toString("latin1");
    for (let i = buffered.indexOf("\r\n"); i >= 0; i = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 2);
      if (line[3] === " ") waiting.shift()?.(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const banner = reply();
  await once(socket, "connect");
  assert.match(await banner, /^220 /);
  const send = (line: string) => {
    const r = reply();
    socket.write(`${line}\r\n`);
    return r;
  };
  assert.match(await send("EHLO client.lab"), /^250 /);
  return { socket, send };
}

/** A transaction's header and the first 64 kB of its body, left open; resolves once the dump shows its header. */
async function halfWay(id: string) {
  const client = await smtpClient();
  assert.match(await client.send("MAIL FROM:<a@client.lab>"), /^250 /);
  assert.match(await client.send("RCPT TO:<alice@box.lab>"), /^250 /);
  assert.match(await client.send("DATA"), /^354 /);
  client.socket.write(`Message-ID: <${id}>\r\nSubject: half\r\n\r\n` + `${"x".repeat(78)}\r\n`.repeat(800));
  const deadline = Date.now() + 10_000;
  while (!onDisk(id)) {
    assert.ok(Date.now() < deadline, "smtp-sink wrote no part of the dump");
    await new Promise((r) => setTimeout(r, 20));
  }
  return client;
}

const withId = (id: string) => readSinkDir(dir, held).filter((m) => headerValues(m, "message-id").includes(`<${id}>`));

test("a dump smtp-sink is still writing is not read; once the final dot is in, it is, whole", async () => {
  const client = await halfWay("open-then-done@lab");
  assert.deepEqual(withId("open-then-done@lab"), [], "a dump still open counted");
  assert.match(await client.send("\r\nlast line\r\n."), /^250 /);
  const [got, ...more] = withId("open-then-done@lab");
  assert.equal(more.length, 0);
  assert.ok(got!.body.toString("latin1").endsWith("last line\n\n"), "the dump ends with the message's last line");
  await client.send("QUIT");
  client.socket.destroy();
});

test("an aborted transaction's dump is not read at any moment, from half-way until smtp-sink removes it", async () => {
  const client = await halfWay("aborted@lab");
  // halfWay returns once the dump is on disk: the reader is asked at least once while it is there.
  assert.deepEqual(withId("aborted@lab"), [], "the dump of a transaction still open counted");
  client.socket.destroy(); // the connection lost in the middle of the data
  // smtp-sink unlinks the dump, then closes it: every read until it is gone finds no message in it.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const there = onDisk("aborted@lab");
    assert.deepEqual(withId("aborted@lab"), [], "the half-written dump of an aborted transaction counted");
    if (!there) break;
    assert.ok(Date.now() < deadline, "smtp-sink kept the aborted dump");
    await new Promise((r) => setTimeout(r, 5));
  }
});

test("a dump created between the listing and the question which files are open is left for the next read", () => {
  // smtp-sink creates a dump just after the lab asked which files it holds: asked before the listing, that dump
  // would be listed and taken for closed. Listed first, it is not listed, and the next read asks again.
  const late = join(dir, "late.00000000");
  const openLater = () => {
    const open = held();
    writeFileSync(late, "X-Rcpt-Args: <alice@box.lab>\nMessage-ID: <late@lab>\n\n");
    return open;
  };
  assert.deepEqual(
    readSinkDir(dir, openLater).filter((m) => m.file === late),
    [],
  );
  assert.ok(existsSync(late));
  rmSync(late);
});
