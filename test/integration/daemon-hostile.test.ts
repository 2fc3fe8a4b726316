/**
 * `floodgate run` with a real Redis, driven by src/client, against the hostile messages that once crashed it or went
 * past the filter: each test names the finding it pins. After each message the daemon must still be up, and the
 * message must carry a campaign (it was fingerprinted and counted) or a counted reason.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { TestMessage, TransactionResult } from "../../src/client/milter-client.js";
import { defaultConfig } from "../../src/config/schema.js";
import { campaignKeys } from "../../src/reputation/keys.js";
import { startTestRedis, storeConnection, type TestRedis } from "../support/redis.js";
import {
  metricValue,
  runCli,
  startCountingDaemon,
  transactionInOwnSession,
  type DaemonProcess,
} from "../support/daemon.js";

/** The value of a header the daemon added, if any. */
function added(result: TransactionResult, name: string): string | undefined {
  for (const m of result.eom?.modifications ?? []) {
    if (m.kind === "addHeader" && m.name.toLowerCase() === name.toLowerCase()) return m.value.trim();
  }
  return undefined;
}

/** A message from the hostile sender, its body in lines of 76 characters as an MTA would carry them. */
function hostileMessage(subject: string, headers: Array<[string, string]>, text: string): TestMessage {
  return {
    sender: "sender@hostile.example",
    recipients: ["rcpt@victim.example"],
    headers: [["From", "<sender@hostile.example>"], ["Subject", subject], ...headers],
    body: text.replace(/(.{76})/g, "$1\r\n") + "\r\n",
  };
}

function htmlMessage(html: string): TestMessage {
  return hostileMessage("hostile html", [["Content-Type", "text/html; charset=utf-8"]], html);
}

/** A UTF-8 text part in base64: decoded, it has no line breaks, so a run of marks stays one run. */
function base64Utf8(type: string, text: string): TestMessage {
  return hostileMessage(
    "hostile unicode",
    [
      ["Content-Type", `${type}; charset=utf-8`],
      ["Content-Transfer-Encoding", "base64"],
    ],
    Buffer.from(text, "utf8").toString("base64"),
  );
}

describe("floodgate run: hostile messages", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;

  before(async () => {
    redis = await startTestRedis();
    daemon = await startCountingDaemon(redis.url);
  });

  after(async () => {
    const code = await daemon?.stop();
    await redis?.stop();
    assert.equal(code, 0, `floodgate run exited cleanly on SIGTERM:\n${daemon?.logs().slice(-3000)}`);
  });

  /** Send one message in a session of its own; the daemon must be alive afterwards. */
  async function send(message: TestMessage): Promise<TransactionResult> {
    try {
      return await transactionInOwnSession(daemon.milter, message);
    } finally {
      assert.equal(daemon.process.exitCode, null, `the daemon died:\n${daemon.logs().slice(-3000)}`);
    }
  }

  // Finding: "One e-mail kills the daemon": this 128 KB HTML message made a fingerprint thread reach its heap limit,
  // which aborted the whole process.
  test("8,000 nested blockquotes then 8,000 line breaks: answered, fingerprinted, the daemon stays up", async () => {
    const result = await send(htmlMessage("<blockquote>".repeat(8000) + "<br>".repeat(8000) + "cheap pills"));
    assert.equal(result.eom?.action, "continue");
    assert.ok(added(result, "X-Floodgate-Campaign"), `no campaign: ${added(result, "X-Floodgate-Status")}`);
    // and the next message is served as usual
    const next = await send(htmlMessage("<p>an ordinary message</p>"));
    assert.ok(added(next, "X-Floodgate-Campaign"));
  });

  // Finding: a stylesheet of 1,024 rules for one class, named 16 times on each of 5,400 elements, made one fingerprint
  // task outlast the pool's task timeout: the message (and any blocked campaign's copy carrying it as an extra part)
  // went out as `skipped; reason=pool-timeout`.
  test("1,024 rules for a class named 16 times on 5,400 elements: fingerprinted on the default pool", async () => {
    const css = ".a{color:red}".repeat(1024);
    const html = `<html><style>${css}</style>` + `<b class="${"a ".repeat(16)}">`.repeat(5400) + "hello world</html>";
    const result = await send(htmlMessage(html));
    assert.equal(result.eom?.action, "continue");
    assert.ok(added(result, "X-Floodgate-Campaign"), `no campaign: ${added(result, "X-Floodgate-Status")}`);
  });

  /**
   * Send a message twice: both copies must be counted in one campaign, whatever its shape. `limit`: the MIME limit its
   * parse stops at, which each copy's status header names and floodgate_parse_limits_total counts (README, "The
   * status header"); null: a message parsed through, whose status names none.
   */
  async function assertCounted(message: TestMessage, limit: string | null): Promise<void> {
    const limits = () => metricValue(daemon.metricsUrl, "floodgate_parse_limits_total", limit ? { limit } : {});
    const before = await limits();
    const first = await send(message);
    const campaign = added(first, "X-Floodgate-Campaign");
    assert.ok(campaign, `not counted: ${added(first, "X-Floodgate-Status")}`);
    const second = await send(message);
    const again = added(second, "X-Floodgate-Campaign");
    assert.equal(again?.split(";")[0], campaign.split(";")[0], "the second copy joins the first one's campaign");
    assert.match(again ?? "", /copies=2/);
    for (const result of [first, second]) {
      const status = added(result, "X-Floodgate-Status") ?? "";
      if (limit) assert.match(status, new RegExp(`^continue; (new|bulk); (.* )?parse=${limit}$`));
      else assert.doesNotMatch(status, /parse=/);
    }
    assert.equal(await limits(), before + (limit ? 2 : 0), "each copy counted by its limit");
  }

  const mime = (headers: Array<[string, string]>, body: string, recipients = ["rcpt@victim.example"]) => ({
    sender: "sender@hostile.example",
    recipients,
    headers: [["Subject", "hostile mime"], ...headers] as Array<[string, string]>,
    body: body.replace(/\r?\n/g, "\r\n"),
  });

  // Findings ("ways past the filter"): each of these went out as `skipped; reason=parse`, uncounted and unblockable.
  test("MIME nested deeper than 64 levels is counted", async () => {
    let body = "";
    for (let i = 1; i <= 80; i++) body += `--b${i - 1}\nContent-Type: multipart/mixed; boundary=b${i}\n\n`;
    body += "--b80\nContent-Type: text/plain\n\nthe offer at the bottom of eighty levels\n";
    await assertCounted(mime([["Content-Type", "multipart/mixed; boundary=b0"]], body), "depth");
  });

  test("more than 1,000 MIME parts are counted", async () => {
    let body = "";
    for (let i = 0; i < 1200; i++) body += `--b\nContent-Type: text/plain\n\npart ${i}\n`;
    await assertCounted(mime([["Content-Type", "multipart/mixed; boundary=b"]], body + "--b--\n"), "parts");
  });

  test("a header block over 256 KB is counted", async () => {
    const flood = Array.from({ length: 40_000 }, (_, i) => ["X-Pad", `padding ${i}`] as [string, string]);
    // The top header block is cut to what a fingerprint reads before the parse (src/fingerprint/message-head.ts).
    await assertCounted(mime(flood, "the words of the message after the flood\n"), null);
  });

  test("a part's header block over 256 KB is counted", async () => {
    const pad = Array.from({ length: 40_000 }, (_, i) => `X-Pad: padding ${i}`).join("\n");
    const body = `--b\n${pad}\n\nthe words of the part after its flood\n--b--\n`;
    await assertCounted(mime([["Content-Type", "multipart/mixed; boundary=b"]], body), "header");
  });

  test("a header block larger than the capture does not hide the body", async () => {
    const flood = Array.from({ length: 60_000 }, (_, i) => ["X-Pad", `padding field number ${i}`] as [string, string]);
    const words = (topic: string) =>
      Array.from({ length: 40 }, (_, i) => `${topic} ${["cheap", "today", "offer", "now", "best"][i % 5]}`).join(" ");
    const campaignOf = async (body: string) => {
      const result = await send(mime(flood, `${body}\n`));
      return added(result, "X-Floodgate-Campaign")?.split(";")[0];
    };
    const pills = await campaignOf(words("pills"));
    assert.ok(pills, "counted");
    assert.notEqual(await campaignOf(words("loans")), pills, "another body behind the same flood is another campaign");
  });

  // Finding ("ways past the filter"): past the capture's header room every field named Content-* was still kept, the
  // first of each, so a flood of distinct names filled the capture and no body was kept: three different bodies
  // behind the same flood joined one campaign (src/session/message-capture.ts).
  test("three different bodies behind one flood of distinct Content-* names are three campaigns", async () => {
    // 2 MB of header fields, one small packet each: past the header room (512 KiB) and the capture (1 MiB).
    const flood = Array.from({ length: 60_000 }, (_, i): [string, string] => [`Content-Pad-${i}`, `padding ${i}`]);
    // About 1.2 KB of a topic's words, shuffled the same way for each topic, in lines of 12 words.
    const text = (words: string[]) =>
      Array.from({ length: 150 }, (_, i) => words[(i * 7 + Math.floor(i / words.length)) % words.length])
        .map((word, i) => (i % 12 === 11 ? `${word}\n` : `${word} `))
        .join("");
    const bodies = [
      text(["cheap", "pills", "pharmacy", "tablets", "prescription", "generic", "dosage", "shipped", "discreet"]),
      text(["instant", "loans", "approved", "credit", "lender", "interest", "repayment", "borrow", "cash", "fast"]),
      text(["casino", "bonus", "spins", "jackpot", "roulette", "poker", "wager", "deposit", "slots", "winnings"]),
    ];
    const campaigns = new Set<string | undefined>();
    for (const body of bodies) {
      const result = await send(mime(flood, `${body}\n`));
      const campaign = added(result, "X-Floodgate-Campaign");
      assert.ok(campaign, `not counted: ${added(result, "X-Floodgate-Status")}`);
      campaigns.add(campaign.split(";")[0]);
    }
    assert.equal(campaigns.size, 3, [...campaigns].join(", "));
  });

  // Findings: a sender padding each copy with a few hundred KB of its own salt ahead of the text made every copy a
  // campaign of its own: the fingerprint read only the first 256 KiB, all salt (src/fingerprint/task.ts). Then salt a
  // reader cannot make out, which the visibility rule still counted as text, did it again: yellow on white (blue
  // differs by 255, src/fingerprint/css-values.ts invisibleOn) and a 2 px font (src/fingerprint/html-visibility.ts).
  // And near-white with no background declared at all: mail clients show it on white (html-visibility.ts,
  // CLIENT_BACKGROUND), yet it counted as text while no element declared the white it stands on. And salt a style
  // rule with a descendant selector hides (src/fingerprint/css-selectors.ts): only simple selectors were applied. And
  // salt a rule with an attribute selector or a structural pseudo-class hides (src/fingerprint/css-compound.ts).
  // And salt hidden by a style written with a character reference and a CSS escape (`display&#58;n\6f ne`), or
  // painted with a transparent `-webkit-text-fill-color`: the reader did not decode them, nor read the fill.
  // And salt a rule inside `@supports` or `@media (min-width:1px)` hides: only `@media screen|all` blocks were applied
  // (src/fingerprint/css-at-rules.ts).
  // And salt hidden by `display:var(--h)` with `--h: none` on `:root`: custom properties were not read
  // (src/fingerprint/css-custom-properties.ts).
  const paddings: Array<[string, (salt: string) => string, string[]]> = [
    ["hidden", (salt) => `<div style="display:none">${salt}</div>`, ["cheap", "pills", "shipped", "today", "order"]],
    ["yellow-on-white", (salt) => `<body bgcolor="#ffffff"><font color="#ffff00">${salt}</font>`, ["replica", "watches", "discount", "luxury", "buy"]],
    ["2 px", (salt) => `<span style="font-size:2px">${salt}</span>`, ["instant", "loans", "approved", "credit", "apply"]],
    ["near-white, no background declared", (salt) => `<font color="#fcfcfc">${salt}</font>`, ["bitcoin", "doubled", "wallet", "profit", "invest"]],
    ["descendant-rule", (salt) => `<style>.pad p{display:none}</style><div class=pad><p>${salt}</p></div>`, ["casino", "bonus", "spins", "free", "play"]],
    ["attribute-rule", (salt) => `<style>span[data-s]{display:none}</style><span data-s=1>${salt}</span>`, ["herbal", "remedy", "natural", "cure", "trial"]],
    ["nth-child-rule", (salt) => `<style>.w span:nth-child(2n){display:none}</style><div class=w><b>x</b><span>${salt}</span></div>`, ["lottery", "winner", "claim", "prize", "notice"]],
    ["reference- and escape-written", (salt) => `<div style="display&#58;n\\6f ne">${salt}</div>`, ["diet", "slim", "fast", "weight", "lose"]],
    ["transparent-fill", (salt) => `<div style="-webkit-text-fill-color:transparent">${salt}</div>`, ["crypto", "mining", "returns", "daily", "join"]],
    ["at-rule", (salt) => `<style>\n@supports (display:none) {\n@media (min-width:1px) {\n.pad{display:none}}}\n</style><div class=pad>${salt}</div>`, ["mortgage", "rates", "lowest", "refinance", "quote"]],
    ["var()", (salt) => `<style>:root{--h:none}</style><div style="display:var(--h)">${salt}</div>`, ["miracle", "tonic", "pounds", "burn", "week"]],
  ]; // prettier-ignore
  for (const [k, [how, pad, words]] of paddings.entries()) {
    test(`copies padded with 300 KB of their own ${how} salt ahead of the text are one campaign`, async () => {
      const offer = Array.from({ length: 90 }, (_, i) => words[i % words.length]);
      const copy = async (seed: number, subject: string) => {
        const salt = Array.from({ length: 40_000 }, (_, i) => ((seed * 1_000_003 + i) * 2_654_435_761).toString(36));
        const html = `${pad(salt.join(" "))}<p>${offer.join(" ")}</p>`;
        const result = await send(hostileMessage(subject, [["Content-Type", "text/html; charset=utf-8"]], html));
        return added(result, "X-Floodgate-Campaign") ?? `not counted: ${added(result, "X-Floodgate-Status")}`;
      };
      const first = await copy(2 * k + 1, "your weekly parcel");
      const second = await copy(2 * k + 2, "delivery notice");
      assert.equal(second.split(";")[0], first.split(";")[0], `one campaign: ${first} / ${second}`);
      assert.match(second, /copies=2/);
    });
  }

  // Finding: shadow mode, which never refuses mail (README), refused a message bringing over 100 of Floodgate's headers.
  test("over 100 forged status headers: 550 5.7.1; in shadow mode labelled over the first, the rest left", async () => {
    const forgedHeaders = Array.from({ length: 150 }, (_, i): [string, string] => ["X-Floodgate-Status", `ham ${i}`]);
    const forged = hostileMessage("forged status", forgedHeaders, "A message forging its status.\n");
    const refused = await send(forged);
    assert.equal(refused.eom?.action, "replyCode");
    assert.match(refused.eom.reply ?? "", /^550 5\.7\.1 Message refused: it carries 150 headers/);
    assert.deepEqual(refused.eom.modifications, []);
    const switched = await runCli(["shadow", "on", "--config", daemon.configPath]);
    assert.equal(switched.code, 0, switched.stderr + switched.stdout);
    try {
      const labelled = await send(forged);
      assert.equal(labelled.eom?.action, "continue");
      const mods = labelled.eom.modifications.map((m) => ("value" in m ? { ...m, value: m.value.trim() } : m));
      assert.deepEqual(mods, [
        { kind: "changeHeader", index: 1, name: "X-Floodgate-Status", value: "shadow-reject; forged-headers" },
      ]);
    } finally {
      await runCli(["shadow", "off", "--config", daemon.configPath]);
    }
  });

  // Finding: a message to more than about 8,000 recipients failed the Lua script (`unpack`): redis-error.
  test("a message to 9,000 recipients is counted", async () => {
    const recipients = Array.from({ length: 9000 }, (_, i) => `user${i}@victim.example`);
    await assertCounted(mime([], "one message for very many\n", recipients), null);
  });
});

// Finding: ICU puts a run of combining marks in canonical order by insertion, so its cost grows with the square of
// the run. Where the store holds an earlier fingerprint version's keys (after an upgrade), fingerprints compare the
// versions' canonical forms of each line whole: one 190 KB line of marks kept the fingerprint thread busy for
// seconds, so the message and the messages behind it went out as `skipped; reason=pool-timeout`
// (src/fingerprint/mark-runs.ts).
describe("floodgate run: runs of combining marks, with a store that holds an earlier version's keys", () => {
  const keys = campaignKeys(defaultConfig().redis.prefix);
  let redis: TestRedis;
  let daemon: DaemonProcess;

  before(async () => {
    redis = await startTestRedis();
    const store = await storeConnection(redis.url);
    // A version 1 exact key, as a release before the upgrade left it: the daemon finds it and keeps earlier keys.
    await store.set(keys.direct(1, "0123456789abcdef0123456789abcdef01234567"), "c-old", "EX", 86_400);
    store.disconnect();
    daemon = await startCountingDaemon(redis.url);
  });

  after(async () => {
    const code = await daemon?.stop();
    await redis?.stop();
    assert.equal(code, 0, `floodgate run exited cleanly on SIGTERM:\n${daemon?.logs().slice(-3000)}`);
  });

  test("runs of 200,000 marks as text, as HTML references and as halfwidth marks: each fingerprinted, and the next message too", async () => {
    const marks = "\u20d0\u1dca\u0e38\u05b0".repeat(50_000); // classes 230, 220, 103, 10: every run needs ordering
    const references = [...marks.slice(0, 100_000)].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join("");
    const messages = [
      base64Utf8("text/plain", `cheap pills today a${marks} order now`),
      base64Utf8("text/html", `<p>cheap pills today a${references} order now</p>`),
      base64Utf8("text/plain", `cheap pills today \uff76${"\uff9e\u0301".repeat(100_000)} order now`),
      htmlMessage("<p>an ordinary message after them</p>"),
    ];
    for (const message of messages) {
      const result = await transactionInOwnSession(daemon.milter, message);
      assert.equal(daemon.process.exitCode, null, `the daemon died:\n${daemon.logs().slice(-3000)}`);
      assert.ok(added(result, "X-Floodgate-Campaign"), `no campaign: ${added(result, "X-Floodgate-Status")}`);
    }
    const store = await storeConnection(redis.url);
    const until = Number(await store.hget(keys.versions, "1"));
    store.disconnect();
    assert.ok(until > Date.now(), "the daemon took the store to hold version 1's keys, so fingerprints carried them");
  });
});
