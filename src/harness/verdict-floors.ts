/**
 * Verdicts an operator can trust, measured as a new user meets them: `floodgate run` on its `make run` defaults (its
 * private Redis, its private spamd, one scan worker process) behind a private Postfix; spam campaigns of the corpus
 * in personalised copies from many senders, and distinct corpus ham (src/lab/verdict-set.ts), all sent once; once
 * the scan backlog has drained, one `floodgate report spam` of one delivered copy per campaign (the operator, with
 * the admin token); then everything sent again. Counted from the SMTP replies: the campaign copies refused and the
 * ham refused or held on each pass; from the campaign store before the reports: how many campaigns the scanner alone
 * had judged spam; from the private spamd's Bayes database (`sa-learn --dump magic`): whether Bayes became active.
 * Every process it starts is stopped before it returns.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostfix, type PostfixLab } from "../lab/postfix.js";
import { headerValues, readMaildir } from "../lab/maildir.js";
import { verdictSet, type VerdictMessage } from "../lab/verdict-set.js";
import { PRIVATE_SPAMD_SUBDIR } from "../scanners/private-spamd.js";
import type { CampaignView } from "../reputation/types.js";
import { DAEMON_NODE_FLAGS } from "../util/node-flags.js";
import { distRoot } from "../util/paths.js";
import { scanBacklogDrained, scanningWith, startFloodgate, type FloodgateDaemon } from "./floodgate.js";
import { machineInfo, type MachineInfo } from "./machine.js";
import { progress } from "./output.js";
import { LOAD_TEST_MAIN } from "./smtp-path.js";
import { peerVersions } from "./targets.js";
import { sendPass, type PassCounts } from "./verdict-passes.js";

export type { PassCounts, Reply } from "./verdict-passes.js";

export interface VerdictFloorsOptions {
  campaigns: number;
  copies: number;
  /** Senders each campaign's copies come from. */
  senders: number;
  ham: number;
  /** SMTP sessions at once. */
  sessions: number;
  seed: number;
  /** Where the daemon's configuration and log go. */
  dir: string;
  /** How long to wait for the scan backlog to drain after a pass and after the reports. @defaultValue 900000 */
  drainTimeoutMs?: number;
}

/** What spamd's Bayes database holds. */
export interface BayesState {
  nspam: number | null;
  nham: number | null;
  /** SpamAssassin uses Bayes from 200 spam and 200 ham learned (bayes_min_spam_num, bayes_min_ham_num). */
  active: boolean;
  /** Campaigns whose last verdict names a BAYES_ rule, at the end. */
  verdictsWithBayesRules: number;
  error?: string;
}

export interface VerdictFloorsReport {
  kind: "floodgate-verdict-floors";
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  versions: Record<string, string | null>;
  options: Omit<VerdictFloorsOptions, "dir">;
  scanners: string;
  pass1: PassCounts;
  /** Campaigns of the set (by their reported copy's campaign) per verdict before the reports: "spamd spam"… */
  verdictsBeforeReports: Record<string, number>;
  /** Campaigns of the set the scanner alone had judged spam before the reports. */
  scannerJudgedSpam: number;
  report: { exitCode: number | null; lines: string[]; decided: number; stderr: string };
  pass2: PassCounts;
  bayes: BayesState;
  drained: { pass1: boolean; reports: boolean };
}

const MAILBOXES = Array.from({ length: 64 }, (_, i) => `box${String(i).padStart(2, "0")}`);
const DOMAIN = "box.lab";
const CLI = join(distRoot, "src/cli/main.js");

/** Run the measurement. */
export async function runVerdictFloors(options: VerdictFloorsOptions): Promise<VerdictFloorsReport> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const versions = await peerVersions();
  progress(`verdicts: building ${options.campaigns} campaigns × ${options.copies} copies and ${options.ham} ham`);
  const messages = await verdictSet({ ...options, mailboxes: MAILBOXES, domain: DOMAIN });
  // The private spamd runs as its own user, who must pass through to its directory in the state directory.
  const parent = mkdtempSync(join(tmpdir(), "fg-verdicts-"));
  chmodSync(parent, 0o711);
  const stateDir = join(parent, "state");
  let daemon: FloodgateDaemon | null = null;
  let postfix: PostfixLab | null = null;
  try {
    daemon = await startFloodgate({
      redisUrl: null,
      dir: options.dir,
      name: "verdicts",
      overrides: { state: { dir: stateDir } },
    });
    const logPath = join(options.dir, "verdicts.daemon.log");
    const scanners = await scanningWith(logPath, 180_000);
    progress(`verdicts: the scan worker scans with ${scanners}`);
    postfix = await startPostfix({
      milter: daemon.spec,
      defaultAction: "tempfail",
      users: MAILBOXES,
      extraMain: LOAD_TEST_MAIN,
    });
    const config = join(options.dir, "verdicts.config.yaml");
    const drainMs = options.drainTimeoutMs ?? 900_000;

    progress("verdicts: pass 1");
    const pass1 = await sendPass(postfix.smtpPort, messages, options.sessions);
    const drained1 = await drain(daemon, drainMs, "pass 1");
    const before = await campaignViews(config);
    const reported = reportedCopies(postfix, messages, options.campaigns, options.dir);
    progress(`verdicts: reporting ${reported.length} copies, one per campaign`);
    const report = await cli([
      "report",
      "spam",
      ...reported.map((r) => r.file),
      "--reason",
      "benchmark",
      "--config",
      config,
    ]);
    const lines = report.stdout.split("\n").filter(Boolean);
    const { verdictsBeforeReports, scannerJudgedSpam } = verdictsBefore(before, reportedIds(reported, lines), options);
    const drainedReports = await drain(daemon, drainMs, "the reports' learn jobs");

    progress("verdicts: pass 2");
    const pass2 = await sendPass(postfix.smtpPort, messages, options.sessions);
    const after = await campaignViews(config);
    const bayes = bayesState(stateDir, after);
    return {
      kind: "floodgate-verdict-floors",
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      versions,
      options: withoutDir(options),
      scanners,
      pass1,
      verdictsBeforeReports,
      scannerJudgedSpam,
      report: {
        exitCode: report.code,
        lines,
        decided: lines.filter((l) => /: decided; state spam/.test(l)).length,
        stderr: report.stderr,
      },
      pass2,
      bayes,
      drained: { pass1: drained1, reports: drainedReports },
    };
  } finally {
    await postfix?.stop();
    await daemon?.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

function withoutDir(options: VerdictFloorsOptions): Omit<VerdictFloorsOptions, "dir"> {
  const { dir: _dir, ...rest } = options;
  return rest;
}

async function drain(daemon: FloodgateDaemon, timeoutMs: number, what: string): Promise<boolean> {
  const t0 = Date.now();
  const drained = await scanBacklogDrained(daemon, timeoutMs);
  progress(`verdicts: ${what}: scan backlog ${drained ? "drained" : "NOT drained"} after ${Date.now() - t0} ms`);
  return drained;
}

/** The campaign id each reported copy was found in, by campaign number, from `floodgate report`'s lines. */
function reportedIds(reported: ReadonlyArray<{ campaign: number; file: string }>, lines: readonly string[]) {
  const idOf = new Map<number, string>();
  for (const r of reported) {
    const id = lines.find((l) => l.startsWith(`${r.file}:`))?.match(/campaign ([0-9a-f]+)/)?.[1];
    if (id) idOf.set(r.campaign, id);
  }
  return idOf;
}

/** What the store said of each campaign before the reports: its scanner verdict, and how many the scanner judged spam. */
function verdictsBefore(
  before: readonly CampaignView[],
  idOf: ReadonlyMap<number, string>,
  options: { campaigns: number },
) {
  const verdictsBeforeReports: Record<string, number> = {};
  let scannerJudgedSpam = 0;
  for (let c = 0; c < options.campaigns; c++) {
    const view = before.find((v) => v.id === idOf.get(c));
    const key = view?.verdict ? `${view.verdict.scanner} ${view.verdict.verdict}` : view ? "no verdict" : "not listed";
    verdictsBeforeReports[key] = (verdictsBeforeReports[key] ?? 0) + 1;
    if (view?.state === "spam" && view.decision === null) scannerJudgedSpam++;
  }
  return { verdictsBeforeReports, scannerJudgedSpam };
}

/** Each campaign's first delivered copy as a file to report (the raw copy when none was delivered). */
function reportedCopies(
  postfix: PostfixLab,
  messages: readonly VerdictMessage[],
  campaigns: number,
  dir: string,
): Array<{ campaign: number; file: string }> {
  const delivered = new Map<string, string>();
  for (const box of MAILBOXES) {
    for (const m of readMaildir(postfix.mailbox(box))) {
      const id = headerValues(m, "message-id")[0]?.trim();
      if (id) delivered.set(id, m.file);
    }
  }
  const out: Array<{ campaign: number; file: string }> = [];
  for (let c = 0; c < campaigns; c++) {
    const copies = messages.filter((m) => m.campaign === c).sort((a, b) => a.index - b.index);
    const found = copies
      .map((m) => /^Message-ID:\s*(\S+)/im.exec(m.message.toString("latin1"))?.[1])
      .map((id) => (id ? delivered.get(id) : undefined))
      .find((f) => f !== undefined);
    if (found) out.push({ campaign: c, file: found });
    else {
      const file = join(dir, `campaign-${c}.eml`);
      writeFileSync(file, copies[0]!.message);
      out.push({ campaign: c, file });
    }
  }
  return out;
}

/** Run a `floodgate` command with the daemon's node flags. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The campaigns the store lists (the busiest thousand). */
async function campaignViews(config: string): Promise<CampaignView[]> {
  const r = await cli(["campaigns", "--json", "--limit", "1000", "--config", config]);
  if (r.code !== 0) throw new Error(`floodgate campaigns failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CampaignView[];
}

/** nspam and nham of the private spamd's Bayes database, read as the user who owns it. */
function bayesState(stateDir: string, views: readonly CampaignView[]): BayesState {
  const verdictsWithBayesRules = views.filter((v) => v.verdict?.rules.some((r) => r.startsWith("BAYES_"))).length;
  const dir = join(stateDir, PRIVATE_SPAMD_SUBDIR);
  const { uid, gid } = statSync(dir);
  const r = spawnSync("sa-learn", ["--dbpath", join(dir, "bayes"), "--dump", "magic"], {
    encoding: "utf8",
    uid,
    gid,
    env: { PATH: process.env["PATH"], HOME: dir },
    timeout: 60_000,
  });
  const field = (name: string) => {
    const m = new RegExp(`^\\S+\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+non-token data: ${name}$`, "m").exec(r.stdout ?? "");
    return m ? Number(m[1]) : null;
  };
  const nspam = field("nspam");
  const nham = field("nham");
  return {
    nspam,
    nham,
    active: (nspam ?? 0) >= 200 && (nham ?? 0) >= 200,
    verdictsWithBayesRules,
    ...(r.status === 0 ? {} : { error: `sa-learn exited ${r.status}: ${(r.stderr ?? "").trim().slice(0, 300)}` }),
  };
}
