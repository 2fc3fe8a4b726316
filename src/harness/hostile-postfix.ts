/**
 * A sample of the hostile messages sent over SMTP through a private Postfix (src/lab/postfix.ts) whose milter is the
 * soak's daemon: what a real MTA accepts of them, and what it delivers. Every SMTP transaction must end with an
 * answer from Postfix (2xx, 4xx or 5xx, not a broken connection), and every delivered copy must carry a campaign or a
 * counted reason and no forged Floodgate header.
 */
import { FORGED_MARK, type HostileMessage } from "../lab/hostile-mail.js";
import { headerValues, readMaildir, type DeliveredMessage } from "../lab/maildir.js";
import { LAB_DOMAIN, startPostfix } from "../lab/postfix.js";
import { sendMail } from "../lab/smtp.js";
import { HostileFeed } from "./hostile-feed.js";
import { isFloodgateHeader } from "./soak-checks.js";

/** The users of box.lab the sample's messages go to. */
const USERS = ["alice", "bob", "carol", "dave", "erin"];
/** Recipients of one message at most (Postfix refuses past smtpd_recipient_limit, 1,000, anyway). */
const MAX_RECIPIENTS = USERS.length;

export interface PostfixSampleReport {
  sent: number;
  /** SMTP transactions by the class of their final reply (2xx, 4xx, 5xx), or `error` when the session broke. */
  replies: Record<string, number>;
  delivered: number;
  /** Delivered copies still carrying a forged Floodgate header. */
  forgedSurvived: number;
  /** Delivered copies with neither a campaign nor a counted reason. */
  unlabelled: number;
  examples: string[];
}

/** Send `count` hostile messages from `seed` through a private Postfix with `milter`, `sessions` at a time. */
export async function runPostfixSample(options: {
  milter: string;
  seed: number;
  count: number;
  sessions: number;
}): Promise<PostfixSampleReport> {
  const postfix = await startPostfix({ milter: options.milter, timeouts: { command: 30, content: 60 } });
  const feed = new HostileFeed(options.seed, options.count);
  const report: PostfixSampleReport = {
    sent: 0,
    replies: {},
    delivered: 0,
    forgedSurvived: 0,
    unlabelled: 0,
    examples: [],
  };
  const example = (text: string) => report.examples.length < 20 && report.examples.push(text);
  let accepted = 0;
  try {
    const session = async () => {
      for (let m = await feed.next(); m !== null; m = await feed.next()) {
        report.sent++;
        const outcome = await send(postfix.smtpPort, m).catch((err: Error) => {
          example(`#${m.index} ${m.family}: ${err.message}`);
          return "error";
        });
        report.replies[outcome] = (report.replies[outcome] ?? 0) + 1;
        if (outcome === "2xx") accepted++;
      }
    };
    await Promise.all(Array.from({ length: options.sessions }, session));
    const delivered = await waitForDeliveries(() => USERS.flatMap((u) => readMaildir(postfix.mailbox(u))), accepted);
    report.delivered = delivered.length;
    for (const message of delivered) judge(message, report, example);
    return report;
  } finally {
    await feed.close();
    await postfix.stop();
  }
}

/** Send one message; the class of Postfix's final reply. */
async function send(port: number, m: HostileMessage): Promise<string> {
  const count = Math.min(m.recipients.length, MAX_RECIPIENTS);
  const to = USERS.slice(0, count).map((u) => `${u}@${LAB_DOMAIN}`);
  const head = m.headers.map(([name, value]) => `${name}: ${value.replace(/\r?\n/g, "\r\n")}\r\n`).join("");
  const data = Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), m.body as Buffer]);
  const result = await sendMail({ port, from: m.sender, to, data, timeoutMs: 120_000 });
  return `${Math.floor(result.finalCode / 100)}xx`;
}

/** Every copy Postfix delivered, once as many as `copies` (one per recipient of an accepted message) are there. */
async function waitForDeliveries(read: () => DeliveredMessage[], accepted: number): Promise<DeliveredMessage[]> {
  const until = Date.now() + 120_000;
  let last = -1;
  for (;;) {
    const delivered = read();
    // Each accepted message reaches at least one mailbox; stop once the count holds still for a second.
    if ((delivered.length >= accepted && delivered.length === last) || Date.now() > until) return delivered;
    last = delivered.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function judge(message: DeliveredMessage, report: PostfixSampleReport, example: (text: string) => void): void {
  const id = headerValues(message, "message-id")[0] ?? message.file;
  const own = message.headers.filter((h) => isFloodgateHeader(h.name, "X-Floodgate-Status"));
  if (own.some((h) => h.value.includes(FORGED_MARK))) {
    report.forgedSurvived++;
    example(`${id}: delivered with a forged Floodgate header`);
  }
  const labelled =
    headerValues(message, "X-Floodgate-Campaign").some((v) => /^[0-9a-f]{12};/.test(v)) ||
    headerValues(message, "X-Floodgate-Status").some((v) => /^skipped; reason=/.test(v));
  if (!labelled) {
    report.unlabelled++;
    example(`${id}: delivered with neither a campaign nor a reason`);
  }
}
