/**
 * The MTA side of the milter protocol, for tests, benchmarks and the CLI. It replays whole transactions the way
 * Postfix does (a `D` packet before every command, often with zero pairs; two aborts after each message) or the way
 * Sendmail does (queue id at MAIL, no `D` before T/L/N/B, no abort), and collects every response with its latency.
 * It honours the negotiated NO* flags (the macros are still sent, §1.7) and NR_* flags (no wait for a reply).
 */
import { connect as netConnect, type Socket } from "node:net";
import { once } from "node:events";
import { encodeCommand } from "../milter/commands.js";
import {
  MILTER_CHUNK_SIZE,
  SMFI_CURR_ACTS,
  SMFI_CURR_PROT,
  SMFI_PROT_VERSION,
  SMFIC_BODY,
  SMFIC_BODYEOB,
  SMFIC_CONNECT,
  SMFIC_DATA,
  SMFIC_EOH,
  SMFIC_HEADER,
  SMFIC_HELO,
  SMFIC_MAIL,
  SMFIC_RCPT,
  SMFIP_HDR_LEADSPC,
  SMFIP_NOBODY,
  SMFIP_NOCONNECT,
  SMFIP_NODATA,
  SMFIP_NOEOH,
  SMFIP_NOHDRS,
  SMFIP_NOHELO,
  SMFIP_NOMAIL,
  SMFIP_NORCPT,
  SMFIP_NR_BODY,
  SMFIP_NR_CONN,
  SMFIP_NR_DATA,
  SMFIP_NR_EOH,
  SMFIP_NR_HDR,
  SMFIP_NR_HELO,
  SMFIP_NR_MAIL,
  SMFIP_NR_RCPT,
} from "../milter/constants.js";
import { FrameDecoder, type Frame } from "../milter/decoder.js";
import { isFinalResponse, parseResponse, type MacroLists, type Response } from "../milter/responses.js";
import { parseListenSpec } from "../milter/listen-spec.js";
import type { ConnectInfo } from "../vocabulary/mail.js";
import type { Modification } from "../vocabulary/modification.js";

export type MtaStyle = "postfix" | "sendmail";

export interface ClientOptions {
  style?: MtaStyle;
  version?: number;
  actions?: number;
  protocol?: number;
  /** A reply not received within this long fails the call. @defaultValue 30000 */
  timeoutMs?: number;
}

export interface NegotiatedOptions {
  version: number;
  actions: number;
  protocol: number;
  macros: MacroLists;
}

export interface TestMessage {
  sender: string;
  recipients: readonly string[];
  /** Header values without the leading space (the client adds it when SMFIP_HDR_LEADSPC is negotiated). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** The body with CRLF line endings. */
  body: Buffer | string;
  queueId?: string;
}

/** One command's outcome: the response (null when none was expected) and how long it took, in ms. */
export interface StepResult {
  command: "connect" | "helo" | "mail" | "rcpt" | "data" | "header" | "eoh" | "body" | "eom";
  response: Response["type"] | null;
  /** The text of an SMFIR_REPLYCODE answer. */
  reply?: string;
  ms: number;
}

export interface EomResult {
  /** The final response: continue, accept, reject, tempfail, discard, replyCode… */
  action: Response["type"];
  /** The text of an SMFIR_REPLYCODE. */
  reply?: string;
  modifications: Modification[];
  progress: number;
}

export interface TransactionResult {
  steps: StepResult[];
  /** Null when the transaction ended before end of message (a reject or tempfail at MAIL, all RCPTs refused). */
  eom: EomResult | null;
  /** The first non-continue response before end of message, if any. */
  earlyExit?: Response["type"];
}

export class MilterClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MilterClientError";
  }
}

export class MilterClient {
  private readonly decoder = new FrameDecoder(1_073_741_823);
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | null = null;
  private ended: Error | null = null;
  negotiated: NegotiatedOptions | null = null;
  private transactions = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly options: Required<ClientOptions>,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      const frames = this.decoder.push(data);
      if (!Array.isArray(frames)) {
        this.ended = new MilterClientError(`bad response packet: ${frames.kind}`);
        socket.destroy();
      } else this.frames.push(...frames);
      this.wake();
    });
    socket.on("close", () => {
      this.ended ??= new MilterClientError("milter closed the connection");
      this.wake();
    });
    socket.on("error", (err) => {
      this.ended = new MilterClientError(`milter socket: ${err.message}`);
      this.wake();
    });
  }

  /** Connect to a milter at a listen spec (`inet:127.0.0.1:PORT`, `unix:/path`). */
  static async connect(spec: string, options: ClientOptions = {}): Promise<MilterClient> {
    const target = parseListenSpec(spec);
    const socket =
      target.kind === "unix" ? netConnect(target.path) : netConnect({ host: target.host, port: target.port });
    await Promise.race([
      once(socket, "connect"),
      once(socket, "error").then(([e]) =>
        Promise.reject(new MilterClientError(`connect ${spec}: ${(e as Error).message}`)),
      ),
    ]);
    return new MilterClient(socket, {
      style: options.style ?? "postfix",
      version: options.version ?? SMFI_PROT_VERSION,
      actions: options.actions ?? SMFI_CURR_ACTS,
      protocol: options.protocol ?? SMFI_CURR_PROT,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  }

  get closed(): boolean {
    return this.ended !== null;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next response, or an error at the timeout or when the milter closes. */
  async readResponse(timeoutMs = this.options.timeoutMs): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new MilterClientError(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return parseResponse(this.frames.shift()!);
  }

  /** Responses already received and not read: a milter that broke a no-reply promise leaves some here. */
  get unreadResponses(): number {
    return this.frames.length;
  }

  /** Write raw bytes (for protocol tests). */
  sendRaw(data: Buffer): void {
    this.socket.write(data);
  }

  async negotiate(): Promise<NegotiatedOptions> {
    const o = this.options;
    this.socket.write(encodeCommand.optneg(o.version, o.actions, o.protocol));
    const r = await this.readResponse();
    if (r.type !== "optneg") throw new MilterClientError(`expected an option negotiation reply, got ${r.type}`);
    if (r.version > o.version) throw new MilterClientError(`milter replied version ${r.version} > ${o.version}`);
    if ((r.actions & ~o.actions) !== 0)
      throw new MilterClientError(`action mask 0x${r.actions.toString(16)} not offered`);
    if ((r.protocol & ~o.protocol) !== 0)
      throw new MilterClientError(`protocol mask 0x${r.protocol.toString(16)} not offered`);
    this.negotiated = { version: r.version, actions: r.actions, protocol: r.protocol, macros: r.macros };
    return this.negotiated;
  }

  private flag(bit: number): boolean {
    return ((this.negotiated?.protocol ?? 0) & bit) !== 0;
  }

  /** Send macros (if any, or always in Postfix style) then a command; wait for its reply unless NR or NO applies. */
  private async step(
    name: StepResult["command"],
    code: number,
    frame: Buffer,
    macros: Array<[string, string]> | null,
    skipFlag: number,
    noReplyFlag: number,
  ): Promise<StepResult> {
    const parts: Buffer[] = [];
    if (macros) parts.push(encodeCommand.macro(code, macros));
    const skipped = skipFlag !== 0 && this.flag(skipFlag);
    if (!skipped) parts.push(frame);
    const started = performance.now();
    if (parts.length > 0) this.socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    if (skipped || (noReplyFlag !== 0 && this.flag(noReplyFlag))) return { command: name, response: null, ms: 0 };
    let r = await this.readResponse();
    while (r.type === "progress") r = await this.readResponse();
    const ms = performance.now() - started;
    return r.type === "replyCode"
      ? { command: name, response: r.type, reply: r.text, ms }
      : { command: name, response: r.type, ms };
  }

  private postfix(): boolean {
    return this.options.style === "postfix";
  }

  /** CONNECT and HELO, as at the start of an SMTP session. */
  async open(
    info: ConnectInfo = { hostname: "localhost", family: "inet", address: "127.0.0.1", port: 40000 },
    helo = "client.example",
  ): Promise<StepResult[]> {
    if (!this.negotiated) await this.negotiate();
    const connectMacros: Array<[string, string]> = this.postfix()
      ? [
          ["j", "mx.lab.local"],
          ["{daemon_name}", "mx.lab.local"],
          ["{daemon_addr}", "127.0.0.1"],
          ["v", "Postfix 3.7.11"],
          ["_", `${info.hostname} [${info.address}]`],
        ]
      : [
          ["j", "mx.lab.local"],
          ["_", `${info.hostname} [${info.address}]`],
          ["{daemon_name}", "MTA"],
          ["{if_name}", "localhost"],
          ["{if_addr}", "127.0.0.1"],
        ];
    const steps = [
      await this.step(
        "connect",
        SMFIC_CONNECT,
        encodeCommand.connect(info, !this.postfix()),
        connectMacros,
        SMFIP_NOCONNECT,
        SMFIP_NR_CONN,
      ),
    ];
    steps.push(
      await this.step(
        "helo",
        SMFIC_HELO,
        encodeCommand.helo(helo),
        this.postfix() ? [] : null,
        SMFIP_NOHELO,
        SMFIP_NR_HELO,
      ),
    );
    return steps;
  }

  /** One whole message, MAIL to end of message (and Postfix's two aborts). */
  async transaction(message: TestMessage): Promise<TransactionResult> {
    if (!this.negotiated) await this.negotiate();
    this.transactions++;
    const queueId = message.queueId ?? `Q${process.pid.toString(16)}${this.transactions.toString(16).padStart(6, "0")}`;
    const pf = this.postfix();
    const steps: StepResult[] = [];
    const early = (s: StepResult) => s.response !== null && s.response !== "continue";
    const finish = (earlyExit?: Response["type"]): TransactionResult => {
      if (pf) this.socket.write(Buffer.concat([encodeCommand.abort(), encodeCommand.abort()]));
      return earlyExit ? { steps, eom: null, earlyExit } : { steps, eom: null };
    };

    const mailMacros: Array<[string, string]> = pf
      ? [
          ["{mail_addr}", message.sender],
          ["{mail_host}", "lab.local"],
          ["{mail_mailer}", "smtp"],
        ]
      : [
          ["i", queueId],
          ["{mail_addr}", message.sender],
          ["{mail_mailer}", "esmtp"],
          ["{mail_host}", "lab.local"],
        ];
    const mail = await this.step(
      "mail",
      SMFIC_MAIL,
      encodeCommand.mail(message.sender, ["BODY=8BITMIME"]),
      mailMacros,
      SMFIP_NOMAIL,
      SMFIP_NR_MAIL,
    );
    steps.push(mail);
    if (early(mail)) return finish(mail.response!);

    let accepted = 0;
    for (const rcpt of message.recipients) {
      const s = await this.step(
        "rcpt",
        SMFIC_RCPT,
        encodeCommand.rcpt(rcpt),
        [
          ["{rcpt_addr}", rcpt],
          ["{rcpt_host}", "lab.local"],
          ["{rcpt_mailer}", "smtp"],
        ],
        SMFIP_NORCPT,
        SMFIP_NR_RCPT,
      );
      steps.push(s);
      if (s.response === null || s.response === "continue" || s.response === "accept") accepted++;
    }
    if (accepted === 0) return finish("reject");

    const iMacro: Array<[string, string]> | null = pf ? [["i", queueId]] : null;
    if (this.negotiated!.version >= 4) {
      const d = await this.step("data", SMFIC_DATA, encodeCommand.data(), iMacro, SMFIP_NODATA, SMFIP_NR_DATA);
      steps.push(d);
      if (early(d)) return finish(d.response!);
    }
    const leadingSpace = this.flag(SMFIP_HDR_LEADSPC);
    if (pf && this.flag(SMFIP_NR_HDR) && !this.flag(SMFIP_NOHDRS)) {
      // Postfix streams all headers in one write when none of them is answered (milter-protocol.md §1.5).
      const parts: Buffer[] = [];
      const headerMacro = iMacro ? encodeCommand.macro(SMFIC_HEADER, iMacro) : null;
      for (const [name, value] of message.headers) {
        if (headerMacro) parts.push(headerMacro);
        parts.push(encodeCommand.header(name, leadingSpace ? ` ${value}` : value));
        steps.push({ command: "header", response: null, ms: 0 });
      }
      if (parts.length > 0) this.socket.write(Buffer.concat(parts));
    } else {
      for (const [name, value] of message.headers) {
        const v = leadingSpace ? ` ${value}` : value;
        const s = await this.step(
          "header",
          SMFIC_HEADER,
          encodeCommand.header(name, v),
          iMacro,
          SMFIP_NOHDRS,
          SMFIP_NR_HDR,
        );
        steps.push(s);
        if (early(s)) return finish(s.response!);
      }
    }
    const eoh = await this.step("eoh", SMFIC_EOH, encodeCommand.eoh(), iMacro, SMFIP_NOEOH, SMFIP_NR_EOH);
    steps.push(eoh);
    if (early(eoh)) return finish(eoh.response!);

    const body = typeof message.body === "string" ? Buffer.from(message.body) : message.body;
    for (let i = 0; i < body.length; i += MILTER_CHUNK_SIZE) {
      const s = await this.step(
        "body",
        SMFIC_BODY,
        encodeCommand.body(body.subarray(i, i + MILTER_CHUNK_SIZE)),
        iMacro,
        SMFIP_NOBODY,
        SMFIP_NR_BODY,
      );
      steps.push(s);
      if (s.response === "skip") break;
      if (early(s)) return finish(s.response!);
    }

    const eomMacros: Array<[string, string]> = pf ? [["i", queueId]] : [["{msg_id}", `<${queueId}@lab.local>`]];
    const started = performance.now();
    this.socket.write(Buffer.concat([encodeCommand.macro(SMFIC_BODYEOB, eomMacros), encodeCommand.eob()]));
    const eom = await this.readEndOfMessage();
    steps.push({ command: "eom", response: eom.action, ms: performance.now() - started });
    if (pf) this.socket.write(Buffer.concat([encodeCommand.abort(), encodeCommand.abort()]));
    return { steps, eom };
  }

  /** Read modifications and progress until the final response (§1.4). */
  async readEndOfMessage(): Promise<EomResult> {
    const modifications: Modification[] = [];
    let progress = 0;
    for (;;) {
      const r = await this.readResponse();
      if (r.type === "modification") modifications.push(r.modification);
      else if (r.type === "progress") progress++;
      else if (isFinalResponse(r)) {
        return r.type === "replyCode"
          ? { action: r.type, reply: r.text, modifications, progress }
          : { action: r.type, modifications, progress };
      }
    }
  }

  /** End the session: QUIT, then close. */
  async quit(): Promise<void> {
    if (!this.socket.destroyed) {
      this.socket.end(encodeCommand.quit());
      if (!this.ended) await once(this.socket, "close").catch(() => undefined);
    }
  }

  /** Close without QUIT (as Postfix does after an early accept or reject, §1.1). */
  destroy(): void {
    this.socket.destroy();
  }
}

/** A plain test message: headers and a CRLF body. */
export function simpleMessage(sender: string, recipients: string[], subject: string, body: string): TestMessage {
  return {
    sender,
    recipients,
    headers: [
      ["From", `<${sender}>`],
      ["To", recipients.map((r) => `<${r}>`).join(", ")],
      ["Subject", subject],
      ["Message-ID", `<${Math.random().toString(36).slice(2)}@lab.local>`],
      ["Date", new Date().toUTCString()],
    ],
    body: body.replace(/\r?\n/g, "\r\n"),
  };
}
