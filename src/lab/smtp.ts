/**
 * Test support: a small SMTP client that keeps every reply exactly as the server sent it (code, every line, the text
 * untouched), so a test can pin what an MTA passed on from a milter (milter-protocol.md §1.9). One session can carry
 * several transactions (RSET, a second MAIL). No TLS, no AUTH, no pipelining: loopback tests only.
 */
import { connect, type Socket } from "node:net";
import { once } from "node:events";

/** One SMTP reply: the stage it answered, its code, its raw lines and their text (after `NNN-`/`NNN `) joined by \n. */
export interface SmtpReplyLine {
  stage: "greeting" | "ehlo" | "mail" | "rcpt" | "data" | "message" | "rset" | "quit";
  code: number;
  /** The lines as received, without CRLF, e.g. `550-5.7.1 first line`. */
  lines: string[];
  /** The text of every line (after the code and separator), joined with "\n". */
  text: string;
}

export interface SendMailOptions {
  port: number;
  host?: string;
  from: string;
  to: string[];
  /** The message (headers, blank line, body); LF line endings are turned into CRLF; dot-stuffing is done here. */
  data: string | Buffer;
  helo?: string;
  /** A reply not received within this long fails the call. @defaultValue 60000 */
  timeoutMs?: number;
}

export interface SendMailResult {
  replies: SmtpReplyLine[];
  /** True when the server answered the final dot with 2xx. */
  accepted: boolean;
  /** The reply that ended the transaction: the final dot's, or the MAIL/DATA refusal, or the last RCPT refusal. */
  finalCode: number;
  finalText: string;
  /** The final reply's raw lines. */
  finalLines: string[];
}

/** An open SMTP session; send commands in order and read their replies. */
export class SmtpSession {
  readonly replies: SmtpReplyLine[] = [];
  private buffer = "";
  private lines: string[] = [];
  private waiting: (() => void) | null = null;
  private closed = false;
  private error: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf("\r\n")) >= 0) {
        this.lines.push(this.buffer.slice(0, i));
        this.buffer = this.buffer.slice(i + 2);
      }
      this.wake();
    });
    socket.on("error", (err) => {
      this.error = err;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Connect and read the greeting. */
  static async open(port: number, host = "127.0.0.1", timeoutMs = 60_000): Promise<SmtpSession> {
    const socket = connect(port, host);
    await Promise.race([
      once(socket, "connect"),
      once(socket, "error").then(([e]) => Promise.reject(new Error(`SMTP connect to ${host}:${port}: ${String(e)}`))),
    ]);
    socket.setNoDelay(true);
    const session = new SmtpSession(socket, timeoutMs);
    await session.read("greeting");
    return session;
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  /** Read one (possibly multi-line) reply. */
  async read(stage: SmtpReplyLine["stage"]): Promise<SmtpReplyLine> {
    const deadline = Date.now() + this.timeoutMs;
    const raw: string[] = [];
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        raw.push(line);
        if (!/^\d{3}[ -]/.test(line) && !/^\d{3}$/.test(line)) throw new Error(`malformed SMTP reply line: ${line}`);
        if (line[3] !== "-") break;
        continue;
      }
      if (this.error) throw new Error(`SMTP ${stage}: ${this.error.message} (read so far: ${raw.join(" | ")})`);
      if (this.closed) throw new Error(`SMTP ${stage}: connection closed (read so far: ${raw.join(" | ")})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SMTP ${stage}: no reply within ${this.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const reply: SmtpReplyLine = {
      stage,
      code: Number(raw[0]!.slice(0, 3)),
      lines: raw,
      text: raw.map((l) => l.slice(4)).join("\n"),
    };
    this.replies.push(reply);
    return reply;
  }

  /** Send one command line and read its reply. */
  async command(stage: SmtpReplyLine["stage"], line: string): Promise<SmtpReplyLine> {
    this.socket.write(`${line}\r\n`);
    return this.read(stage);
  }

  ehlo(name = "client.lab.local") {
    return this.command("ehlo", `EHLO ${name}`);
  }
  mail(from: string) {
    return this.command("mail", `MAIL FROM:<${from}>`);
  }
  rcpt(to: string) {
    return this.command("rcpt", `RCPT TO:<${to}>`);
  }
  rset() {
    return this.command("rset", "RSET");
  }

  /** DATA, then (on 354) the message, dot-stuffed, and the final dot. Returns the DATA reply and the final one. */
  async data(message: string | Buffer): Promise<{ data: SmtpReplyLine; final: SmtpReplyLine | null }> {
    const data = await this.command("data", "DATA");
    if (data.code !== 354) return { data, final: null };
    const payload = smtpPayload(message);
    const chunk = 256 * 1024;
    for (let off = 0; off < payload.length; off += chunk) {
      if (!this.socket.write(payload.subarray(off, off + chunk))) await once(this.socket, "drain");
    }
    this.socket.write(".\r\n");
    return { data, final: await this.read("message") };
  }

  /** QUIT and close (a missing QUIT reply is not an error). */
  async quit(): Promise<void> {
    try {
      if (!this.closed) await this.command("quit", "QUIT");
    } catch {
      // the server may close first
    }
    this.socket.destroy();
  }

  /** Close without QUIT. */
  destroy(): void {
    this.socket.destroy();
  }

  /** One whole transaction on this session: MAIL, every RCPT, DATA and the message. */
  async transaction(from: string, to: readonly string[], message: string | Buffer): Promise<SendMailResult> {
    const start = this.replies.length;
    const done = (final: SmtpReplyLine, accepted = false): SendMailResult => ({
      replies: this.replies.slice(start),
      accepted,
      finalCode: final.code,
      finalText: final.text,
      finalLines: final.lines,
    });
    const mail = await this.mail(from);
    if (mail.code >= 400) return done(mail);
    let lastRcpt: SmtpReplyLine | null = null;
    let anyAccepted = false;
    for (const r of to) {
      lastRcpt = await this.rcpt(r);
      if (lastRcpt.code < 400) anyAccepted = true;
    }
    if (!anyAccepted && lastRcpt) return done(lastRcpt);
    const { data, final } = await this.data(message);
    if (!final) return done(data);
    return done(final, final.code >= 200 && final.code < 300);
  }
}

/** CRLF line endings, dot-stuffing, and a final CRLF, ready to follow DATA. */
export function smtpPayload(message: string | Buffer): Buffer {
  let text = Buffer.isBuffer(message) ? message.toString("latin1") : message;
  text = text.replace(/\r?\n/g, "\r\n");
  if (!text.endsWith("\r\n")) text += "\r\n";
  text = text.replace(/^\./gm, "..");
  return Buffer.from(text, "latin1");
}

/** Send one message in its own SMTP session (EHLO, MAIL, RCPT…, DATA, QUIT) and return every reply. */
export async function sendMail(options: SendMailOptions): Promise<SendMailResult> {
  const session = await SmtpSession.open(options.port, options.host, options.timeoutMs);
  try {
    const greeting = session.replies[0]!;
    const refused = greeting.code >= 400 ? greeting : await session.ehlo(options.helo);
    if (refused.code >= 400) {
      return {
        replies: [...session.replies],
        accepted: false,
        finalCode: refused.code,
        finalText: refused.text,
        finalLines: refused.lines,
      };
    }
    const result = await session.transaction(options.from, options.to, options.data);
    return { ...result, replies: [...session.replies] };
  } finally {
    await session.quit();
  }
}

/** A small RFC 5322 message with a unique Message-ID (returned beside it, to find the delivered copy). */
export function buildMessage(fields: {
  from: string;
  to: string[];
  subject: string;
  body?: string;
  extra?: string[];
}): {
  data: string;
  messageId: string;
} {
  const id = `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}@client.lab.local`;
  const data = [
    `From: <${fields.from}>`,
    `To: ${fields.to.map((t) => `<${t}>`).join(", ")}`,
    `Subject: ${fields.subject}`,
    `Message-ID: <${id}>`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    ...(fields.extra ?? []),
    "",
    fields.body ?? "Hello from the Floodgate e2e suite.",
    "",
  ].join("\r\n");
  return { data, messageId: id };
}

/**
 * Wait until an SMTP server on 127.0.0.1:`port` greets with 220 (it answers QUIT at once); fails with the last thing
 * it said, or as soon as `exited()` says the server process is gone.
 */
export async function waitForSmtpBanner(
  port: number,
  timeoutMs: number,
  options: { server: string; attemptTimeoutMs?: number; exited?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (options.exited?.()) throw new Error(`${options.server} exited`);
    const banner = await new Promise<string>((resolve) => {
      const s = connect(port, "127.0.0.1");
      let got = "";
      const done = (v: string) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(options.attemptTimeoutMs ?? 2000, () => done(got));
      s.on("data", (d: Buffer) => {
        got += d.toString();
        if (got.includes("\r\n")) {
          s.write("QUIT\r\n");
          done(got);
        }
      });
      s.on("error", (e) => done(`error: ${e.message}`));
    });
    if (banner.startsWith("220")) return;
    last = banner;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${options.server} gave no 220 banner on port ${port} within ${timeoutMs} ms (last: ${last.trim()})`);
}
