/**
 * Whether the fingerprint task stays linear in what a sender writes: hostile constructions (nested MIME, markup and
 * style sheets, encodings, runs of the characters the tokens and links look for, other scripts) built at n and at 4n
 * repetitions, each fingerprinted by the task with the pool's options (the earlier version's text too): the CPU of a
 * run, over ten runs and a pause after them, once every construction ran once; the growth between the two. Linear
 * work grows about 4×; past GROWTH_FLAG the line is marked, and such a construction should be looked at, at larger
 * n too (a window's cap bounds the growth of what it cuts). Not a gate: the machine's noise moves small figures, so
 * read the marked lines again. Each build's task runs in a process of its own. `--baseline DIR` (another build's
 * dist/) runs the same messages through that build's task as well, in its own process, the two taking turns at going
 * first, and prints its figures and this build's ÷ its.
 * Run: node dist/benchmarks/fingerprint-scaling.js [--n N] (default 8192) [--only TEXT] (constructions whose name
 * has it) [--baseline DIR]
 */
import { fork } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout } from "node:timers/promises";
import { parseArgs } from "node:util";
import { formatMachine, machineInfo } from "../src/harness/machine.js";

const GROWTH_FLAG = 7;
/** Runs of each message by each build, and the pause after them (ms) before the CPU is read. */
const RUNS = 10;
const SETTLE_MS = 50;
/** Below this a figure is mostly the clock's and the task's fixed cost: growth is read against it at least. */
const FLOOR_MS = 0.05;

const head = (extra: string, type: string) =>
  `From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\nMessage-ID: <x@y.example>\r\n${extra}` +
  `MIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\n`;
const text = (body: string, extra = "") => head(extra, "text/plain; charset=utf-8") + body;
const html = (body: string) => head("", "text/html; charset=utf-8") + body;
const mixed = (body: string) => head("", "multipart/mixed; boundary=b") + body;
const qp = "Content-Transfer-Encoding: quoted-printable\r\n";

function nestedMultipart(n: number): string {
  let body = "x\r\n";
  for (let i = n - 1; i >= 0; i--)
    body = `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n${body}\r\n--b${i}--\r\n`;
  return head("", "multipart/mixed; boundary=b0") + body;
}

/** Properties the visibility cascade reads, each of which a hostile sheet may give a deferred value. */
const READ_PROPERTIES = ["display", "visibility", "opacity", "font-size", "color", "background", "height", "width"];
/** 512 attribute tests on each link: eight lists of eight compounds of eight tests, all run while one passes. */
const ATTRIBUTE_TESTS = (() => {
  const compound = "[href~=a i]".repeat(7) + "[href~=zz i]";
  const not = `:not(${Array(8).fill(compound).join(",")})`;
  return (
    Array(10)
      .fill(`a${not.repeat(8)}`)
      .join(",") + "{color:red}"
  );
})();
/** Every property given a chain of 17 var() fallbacks around 800 characters, plain and !important. */
const VAR_CHAINS = (() => {
  const chain = "var(--a,".repeat(17) + "x".repeat(800) + ")".repeat(17);
  return `b{${READ_PROPERTIES.map((p) => `${p}:${chain};${p}:${chain} !important`).join(";")}}`;
})();
/** 46 rules matching each element, each with deferred declarations of every property read. */
const DEFERRED_RULES = (() => {
  const block = READ_PROPERTIES.map((p) => `${p}:var(--a,1px);${p}:var(--a,1px) !important`).join(";");
  return Array.from({ length: 46 }, (_, k) => `b:nth-child(n+${k}){${block}}`).join("");
})();
const CUSTOM_PROPERTIES = `b{${Array.from({ length: 64 }, (_, k) => `--p${k}:1px`).join(";")}}`;

/** Each construction with n repetitions of its unit. */
const CONSTRUCTIONS: Record<string, (n: number) => string> = {
  "nested multipart": nestedMultipart,
  "many parts": (n) => mixed("--b\r\nContent-Type: text/plain\r\n\r\nword\r\n".repeat(n) + "--b--\r\n"),
  "boundary look-alikes": (n) => mixed("--b\r\n".repeat(n) + "--b--\r\n"),
  "many header fields": (n) => text("words of a body\r\n", "X-A: b\r\n".repeat(n)),
  "one folded field": (n) => text("body\r\n", `X-A: ${"a\r\n ".repeat(n)}\r\n`),
  "encoded words in the subject": (n) =>
    text("body\r\n").replace("Subject: hi", `Subject: ${"=?utf-8?Q?a=C3=A9?= ".repeat(n)}`),
  "broken encoded words": (n) => text("body\r\n").replace("Subject: hi", `Subject: ${"=?utf-8?".repeat(n)}`),
  "content-type parameters": (n) => head("", `text/plain; ${"a=b; ".repeat(n)}`) + "x\r\n",
  "RFC 2231 parameter parts": (n) =>
    text("x\r\n", `Content-Disposition: attachment; ${"filename*0=a; ".repeat(n)}\r\n`),
  "quoted-printable soft breaks": (n) => text("=\r\n".repeat(n) + "x", qp),
  "quoted-printable equals": (n) => text("=".repeat(n), qp),
  "base64 of junk": (n) => text("!@#$".repeat(n), "Content-Transfer-Encoding: base64\r\n"),
  "unclosed divs": (n) => html("<div>".repeat(n) + "text"),
  "nested tables": (n) => html("<table><tr><td>".repeat(n) + "x"),
  "nested font colours": (n) => html('<font color="#fff">'.repeat(n) + "text"),
  "an unclosed comment": (n) => html("<p>a</p><!--" + "- ".repeat(n)),
  "many comments": (n) => html("<!-- x -->w ".repeat(n)),
  "runs of <": (n) => html("<".repeat(n) + "a"),
  "runs of <a": (n) => html("<a ".repeat(n) + "a"),
  "quotes in an attribute": (n) => html(`<p title="${"'".repeat(n)}">x</p>`),
  "runs of &#": (n) => html("&#".repeat(n)),
  entities: (n) => html("&amp;".repeat(n)),
  "table cells": (n) => html(`<table><tr>${"<td>c</td>".repeat(n)}</tr></table>`),
  links: (n) => html('<a href="http://x.example/a">l</a>'.repeat(n)),
  images: (n) => html('<img src="cid:x">'.repeat(n)),
  "hidden cells": (n) => html('<td style="display:none">s</td>'.repeat(n)),
  "salt near the background": (n) => html('<span style="color:#fefefe">s</span>'.repeat(n)),
  "an unclosed script": (n) => html("<script>" + "a<".repeat(n)),
  "style rules": (n) => html(`<style>${".c{color:#fff}".repeat(n)}</style><p class=c>x</p>`),
  "a selector list": (n) => html(`<style>${".c,".repeat(n)}.d{display:none}</style><p class=c>x</p>`),
  "unclosed braces": (n) => html("<style>" + "{".repeat(n)),
  "an unclosed CSS comment": (n) => html("<style>/*" + "*".repeat(n)),
  "unclosed CSS strings": (n) => html(`<style>${'a{content:"'.repeat(n)}</style>`),
  "nested @media": (n) => html(`<style>${"@media all{".repeat(n)}</style>`),
  "declarations in a style attribute": (n) => html(`<p style="${"color:red;".repeat(n)}">x</p>`),
  "semicolons before a declaration": (n) => html(`<p style="${";".repeat(n)}color:red">x</p>`),
  "open brackets in a shorthand": (n) => html(`<p style="margin:${"a(".repeat(n)}">x</p>`),
  "attribute tests on a long attribute": (n) =>
    html(`<style>${ATTRIBUTE_TESTS}</style><a href="${"a ".repeat(n)}">x</a>`),
  "elements under var() fallback chains": (n) => html(`<style>${VAR_CHAINS}</style>${"<b>w</b>".repeat(n / 8)}`),
  "elements under many deferred rules": (n) => html(`<style>${DEFERRED_RULES}</style>${"<b>w</b>".repeat(n / 8)}`),
  "nested elements with custom properties": (n) => html(`<style>${CUSTOM_PROPERTIES}</style>${"<b>".repeat(n)}x`),
  "classes of one element": (n) => html(`<style>.a{display:none}</style><p class='${"a ".repeat(n)}'>x</p>`),
  "tags in a text part": (n) => text("<b>".repeat(n)),
  "links without spaces": (n) => text("http://a.b/".repeat(n)),
  "runs of www.": (n) => text("www.".repeat(n)),
  "runs of a@": (n) => text("a@".repeat(n)),
  "runs of a.": (n) => text("a.".repeat(n)),
  "one long word": (n) => text("a".repeat(4 * n)),
  "words on one line": (n) => text("word ".repeat(n)),
  numbers: (n) => text("1 ".repeat(n)),
  "Latin and Cyrillic alternating": (n) => text("aа".repeat(n)),
  "a run of combining marks": (n) => text("a" + "\u0301".repeat(n)),
  "zero-width spaces": (n) => text("a\u200b".repeat(n)),
  ideographs: (n) => text("中文字".repeat(n)),
  emoji: (n) => text("😀".repeat(n)),
  "CR line ends": (n) => text("word\r".repeat(n)),
  "empty LF lines": (n) => text("\n".repeat(n) + "x"),
};

/** One build's fingerprint task with the pool's options and that build's own defaults; `dir` is its dist/. */
async function taskAt(dir: string): Promise<(message: Buffer) => Promise<unknown>> {
  const load = (path: string) => import(pathToFileURL(join(resolve(dir), path)).href);
  const config = (await load("src/config/schema.js")) as typeof import("../src/config/schema.js");
  const pool = (await load("src/fingerprint/pool-messages.js")) as typeof import("../src/fingerprint/pool-messages.js");
  const task = (await load("src/fingerprint/task.js")) as typeof import("../src/fingerprint/task.js");
  const options = pool.taskOptions(config.defaultConfig().fingerprint, true);
  return (message) => task.runFingerprintTask({ ...options, message });
}

/** What the parent asks a build's process: run every chosen construction once at n (`warm`), or measure one. */
type Request = { warm: string[]; n: number } | { measure: string; n: number };

/**
 * A build's process (this script with `--build DIR`): it loads that build's task and answers the parent's requests.
 * Each build has a process of its own, so what one build's parser leaves running after its task has answered is
 * counted in its own process, never in the other build's figures, and neither build's compiled code shapes the
 * other's.
 */
async function serveBuild(dir: string): Promise<void> {
  const task = await taskAt(dir);
  process.on("message", (request: Request) => {
    void (async () => {
      if ("warm" in request) {
        for (const name of request.warm) await task(Buffer.from(CONSTRUCTIONS[name]!(request.n)));
        process.send!({ done: true });
        return;
      }
      // CPU time, and the pause counted: a parser can go on after the task has answered (work scheduled on the
      // event loop), and what it does then is the message's too, not the next one's.
      const message = Buffer.from(CONSTRUCTIONS[request.measure]!(request.n));
      const before = process.cpuUsage();
      for (let run = 0; run < RUNS; run++) await task(message);
      await setTimeout(SETTLE_MS);
      const used = process.cpuUsage(before);
      process.send!({ ms: (used.user + used.system) / 1000 / RUNS, bytes: message.byteLength });
    })();
  });
  process.send!({ ready: true });
}

/** A build's figures for one construction: CPU per run and the message's size. */
interface Measured {
  ms: number;
  bytes: number;
}

/** The parent's handle on a build's process. */
interface Build {
  warm(names: string[], n: number): Promise<void>;
  measure(name: string, n: number): Promise<Measured>;
  stop(): void;
}

async function startBuild(dir: string): Promise<Build> {
  const child = fork(fileURLToPath(import.meta.url), ["--build", dir], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  /** The process's next message (its answer to the last request, or that it is ready). */
  const next = () =>
    new Promise<unknown>((done, fail) => {
      const onExit = (code: number | null) => fail(new Error(`the process of the build at ${dir} ended (${code})`));
      child.once("exit", onExit);
      child.once("message", (reply) => {
        child.off("exit", onExit);
        done(reply);
      });
    });
  const ask = (request: Request) => {
    const reply = next();
    child.send(request);
    return reply;
  };
  await next();
  return {
    warm: async (names, n) => void (await ask({ warm: names, n })),
    measure: async (name, n) => (await ask({ measure: name, n })) as Measured,
    stop: () => child.kill(),
  };
}

/** Each build's CPU per run of a construction, ms, and its size: the builds take turns at going first. */
async function cpuOf(builds: readonly Build[], name: string, n: number, turn: number) {
  const figures: Measured[] = [];
  const order = turn % 2 === 0 ? [...builds.keys()] : [...builds.keys()].reverse();
  for (const b of order) figures[b] = await builds[b]!.measure(name, n);
  return figures;
}

/** `a` ÷ `b`, each read as at least FLOOR_MS. */
const ratio = (a: number, b: number) => Math.max(a, FLOOR_MS) / Math.max(b, FLOOR_MS);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { n: { type: "string", default: "8192" }, only: { type: "string" }, baseline: { type: "string" } },
  });
  const n = Number(values.n);
  const builds = [await startBuild(join(import.meta.dirname, ".."))];
  if (values.baseline) builds.push(await startBuild(values.baseline));
  const baseline = values.baseline !== undefined;
  console.log(`Fingerprint task on hostile constructions at n = ${n} and 4n, ${new Date().toISOString()}`);
  console.log(`machine: ${formatMachine(machineInfo())}`);
  if (baseline) {
    console.log(`baseline: ${values.baseline}, each build in a process of its own, taking turns at going first`);
  }
  const apart = baseline ? " | baseline: n, CPU ms | 4n, CPU ms | growth | this ÷ baseline at 4n" : "";
  console.log(`| construction | n: KiB | CPU ms | 4n: KiB | CPU ms | growth${apart} |`);
  console.log(`|---|---|---|---|---|---${baseline ? "|---|---|---|---" : ""}|`);
  const kib = (bytes: number) => (bytes / 1024).toFixed(0);
  const chosen = Object.keys(CONSTRUCTIONS).filter((name) => !values.only || name.includes(values.only));
  try {
    // Every construction once before any is measured: the code each one reaches is compiled by then.
    for (const build of builds) await build.warm(chosen, n);
    let turn = 0;
    for (const name of chosen) {
      const [ours, theirs] = await cpuOf(builds, name, n, turn);
      const [oursLarge, theirsLarge] = await cpuOf(builds, name, 4 * n, turn++);
      const growth = ratio(oursLarge!.ms, ours!.ms);
      const cells = [kib(ours!.bytes), ours!.ms.toFixed(2), kib(oursLarge!.bytes), oursLarge!.ms.toFixed(2)];
      cells.push(growth.toFixed(1));
      if (theirs && theirsLarge) {
        cells.push(theirs.ms.toFixed(2), theirsLarge.ms.toFixed(2), ratio(theirsLarge.ms, theirs.ms).toFixed(1));
        cells.push(ratio(oursLarge!.ms, theirsLarge.ms).toFixed(2));
      }
      const mark = growth > GROWTH_FLAG ? " **look again**" : "";
      console.log(`| ${name}${mark} | ${cells.join(" | ")} |`);
    }
  } finally {
    for (const build of builds) build.stop();
  }
}

const served = parseArgs({ options: { build: { type: "string" } }, strict: false }).values.build;
if (typeof served === "string") await serveBuild(served);
else await main();
