/**
 * `floodgate report spam|ham [FILE…]` (a message per file, or one on standard input, as a Dovecot IMAPSieve script or
 * a "report spam" button pipes it): each message goes to the running Floodgate's ops server (`POST /report`), which
 * fingerprints it as at end of message, finds its campaign and relabels it. With the admin token the operator
 * decides; with `--reporter ADDRESS` and the report-only token a mailbox user's report counts towards the distinct
 * reporters. `--undo` takes the report back.
 */
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import type { ReportAnswer } from "../policy/report.js";
import { opsRequest, type OpsAnswer, type OpsTarget, type Output } from "./shadow-command.js";

export interface ReportCommandOptions {
  target: OpsTarget;
  label: "spam" | "ham";
  /** Files; none: standard input. */
  files: readonly string[];
  undo: boolean;
  /** A mailbox user's address; null: the operator's report. */
  reporter: string | null;
  /** The admin token (operator), or the report-only token (reporter). */
  token: string | null;
  reason: string | null;
  /** Reads standard input. */
  stdin: () => Promise<Buffer>;
  /** @defaultValue 30000 */
  timeoutMs?: number;
}

/** The operator's name in the history: the user who ran the command (under sudo, the one who ran sudo). */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  const name = env["SUDO_USER"] ?? env["USER"] ?? safeUserName();
  return name.replace(/[^\w.@-]/g, "_").slice(0, 64) || "operator";
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return "operator";
  }
}

/** Report each message; returns the exit code (0 all applied, 1 any refused or failed, 75 Floodgate unreachable or
 * busy with other reports: this one and those after it were not sent, send them again later). */
export async function reportCommand(options: ReportCommandOptions, out: Output, err: Output): Promise<number> {
  if (options.token === null) {
    err.write(
      options.reporter === null
        ? "floodgate report: no admin token: start `floodgate run` first (it writes <state.dir>/admin-token), or configure metrics.adminToken\n"
        : "floodgate report: no report-only token readable here: see reports.tokenFile and reports.group\n",
    );
    return 1;
  }
  const query = new URLSearchParams({ label: options.label });
  if (options.undo) query.set("undo", "1");
  if (options.reporter !== null) query.set("reporter", options.reporter);
  else query.set("by", operatorName());
  if (options.reason) query.set("reason", options.reason);
  const path = `/report?${query.toString()}`;
  const headers = { authorization: `Bearer ${options.token}`, "content-type": "message/rfc822" };
  const sources = options.files.length > 0 ? options.files : ["-"];
  let code = 0;
  for (const source of sources) {
    const message = source === "-" ? await options.stdin() : await readFile(source);
    let answer: OpsAnswer;
    try {
      answer = await opsRequest(options.target, "POST", path, headers, options.timeoutMs ?? 30_000, message);
    } catch (error) {
      err.write(`floodgate report: cannot reach Floodgate: ${(error as Error).message}\n`);
      return 75;
    }
    const body = answer.body as ReportAnswer & { error?: string };
    if (answer.status === 503) {
      err.write(`floodgate report: ${source}: Floodgate is busy with other reports: ${body.error ?? ""}\n`);
      return 75;
    }
    if (answer.status !== 200) {
      err.write(`floodgate report: ${source}: refused (${answer.status}): ${body.error ?? JSON.stringify(body)}\n`);
      code = 1;
      continue;
    }
    out.write(`${source === "-" ? "stdin" : source}: ${describe(body)}\n`);
    if (body.outcome === "rate-limited") code = 1;
  }
  return code;
}

/** One line per report. */
export function describe(answer: ReportAnswer): string {
  if (answer.campaign === null) return "no campaign matches this message: nothing to take back";
  const parts = [
    `campaign ${answer.campaign}${answer.created ? " (new)" : ""}: ${answer.outcome}`,
    `state ${answer.state ?? "-"}`,
    `reports spam=${answer.reports.spam} ham=${answer.reports.ham}`,
    `learn ${answer.learn}`,
  ];
  return parts.join("; ");
}
