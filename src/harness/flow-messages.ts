/**
 * The messages of the real-mail-flow comparison: the SpamAssassin corpus split into disjoint slices, so that every
 * run of every round sends messages the daemon has never seen (each one a new campaign, as most real mail is) while
 * every path of one run sends the same ones. Two kinds of run: "distinct" (ham only, every message once) and "mix"
 * (mostly distinct ham and spam, with a few campaigns of personalised copies, new in each run). What is left over
 * warms the paths up, in runs of the same two kinds and session counts with campaigns of their own.
 */
import { campaignBase, campaignVariants, type CampaignBase } from "../lab/campaign-variants.js";
import { loadHam, loadSpam, type CorpusMessage } from "../lab/corpus.js";
import { rawToTestMessage } from "../client/raw-message.js";
import type { BenchMessage } from "./messages.js";
import { senderOf } from "./messages.js";
import { seededRandom } from "../util/seeded-random.js";

/** The two kinds of run. */
export type FlowKind = "distinct" | "mix";

/** One run's messages: `kind`, at `sessions`, in `round`. */
export interface FlowRunSet {
  round: number;
  kind: FlowKind;
  sessions: number;
  messages: BenchMessage[];
  /** Copies of campaigns in the run (0 for a distinct run). */
  campaignCopies: number;
}

/** How the corpus is cut. */
export interface FlowSetOptions {
  /** Messages per run. @defaultValue 400 */
  perRun: number;
  rounds: number;
  /** Session counts; each gets its own slices. */
  sessions: readonly number[];
  /** Campaigns per mix run, and copies of each. @defaultValue 3 × 20 */
  campaigns?: number;
  copiesPerCampaign?: number;
  /**
   * Warm-up messages (from what is left). Distinct mail keeps reaching code paths the JIT has not optimised yet for
   * the first thousand or two messages (charsets, HTML, encodings): a daemon that has run a while is past that.
   * @defaultValue 1500
   */
  warmUp?: number;
  /**
   * Messages of the warm-up runs (`warmUpRuns`): runs shaped like the measured ones, none of their messages
   * measured. @defaultValue 0
   */
  warmUpRuns?: number;
  seed?: number;
}

/** What flowSets cuts: the measured runs, the leftover distinct messages, and the warm-up runs made of them. */
export interface FlowSets {
  runs: FlowRunSet[];
  /** Leftover distinct corpus messages (at most `warmUp`), in no measured run. */
  warmUp: BenchMessage[];
  /**
   * Runs like the measured ones, in their order (each session count, distinct then mix, `perRun` messages each,
   * numbered in rounds), until `warmUpRuns` messages: the leftover messages (again and again when more are asked)
   * and campaigns of their own, so a warm-up message is neither a measured message nor a copy of a measured campaign.
   */
  warmUpRuns: FlowRunSet[];
}

/** The recipient of message `i`: a few users of a domain Postfix relays to its sink. */
const recipientOf = (i: number) => `user${i % 7}@example.com`;

function toBench(kind: BenchMessage["kind"], source: string, raw: Buffer, i: number, sender?: string): BenchMessage {
  const message = rawToTestMessage(raw, "placeholder@lab.example", [recipientOf(i)]);
  message.sender = sender ?? senderOf(message);
  return { kind, source, message, raw };
}

function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** Spams long enough to be a campaign's base (short texts get only exact fingerprints: fingerprinting.md §0). */
async function campaignBases(spam: CorpusMessage[], count: number): Promise<Array<CampaignBase & { file: string }>> {
  const out: Array<CampaignBase & { file: string }> = [];
  for (const m of spam) {
    if (out.length >= count) break;
    const base = await campaignBase(m.bytes);
    if (base.text.split(/\s+/).filter(Boolean).length >= 150) out.push({ ...base, file: m.file });
  }
  if (out.length < count) throw new Error(`only ${out.length} corpus spams can be a campaign's base, ${count} needed`);
  return out;
}

/** A mix run's messages: `distinct` corpus messages and `copies` personalised copies of each base, shuffled. */
function mixMessages(
  distinct: readonly CorpusMessage[],
  bases: ReadonlyArray<CampaignBase & { file: string }>,
  copies: number,
  seed: number,
  random: () => number,
): BenchMessage[] {
  const mix = distinct.map((m, i) => toBench(m.group.startsWith("spam") ? "spam" : "ham", m.file, m.bytes, i));
  bases.forEach((base, c) =>
    campaignVariants(base, copies, { seed: seed + c }).forEach((v, i) =>
      mix.push(toBench("campaign", `campaign:${base.file}:${i}`, v.message, i, base.from)),
    ),
  );
  return shuffle(mix, random);
}

/** The warm-up runs (FlowSets.warmUpRuns): `shape.campaigns` bases of its own for each session count. */
function warmUpRuns(
  count: number,
  left: readonly CorpusMessage[],
  bases: ReadonlyArray<CampaignBase & { file: string }>,
  shape: { perRun: number; sessions: readonly number[]; campaigns: number; perCampaign: number },
  random: () => number,
): FlowRunSet[] {
  if (count > 0 && left.length === 0) throw new Error("no corpus messages left over for the warm-up");
  const { perRun, sessions, campaigns, perCampaign } = shape;
  let cursor = 0;
  const next = (n: number) => Array.from({ length: n }, () => left[cursor++ % left.length]!);
  const runs: FlowRunSet[] = [];
  for (let i = 0, sent = 0; sent < count; i++) {
    const slot = i % (2 * sessions.length);
    const s = sessions[Math.floor(slot / 2)]!;
    const size = Math.min(perRun, count - sent);
    const round = Math.floor(i / (2 * sessions.length)) + 1;
    const own = bases.slice(Math.floor(slot / 2) * campaigns, (Math.floor(slot / 2) + 1) * campaigns);
    const messages =
      slot % 2 === 0
        ? next(size).map((m, j) => toBench("ham", m.file, m.bytes, j))
        : mixMessages(next(perRun - campaigns * perCampaign), own, perCampaign, 1000 + i * campaigns, random).slice(
            0,
            size,
          );
    const campaignCopies = messages.filter((m) => m.kind === "campaign").length;
    runs.push({ round, kind: slot % 2 === 0 ? "distinct" : "mix", sessions: s, messages, campaignCopies });
    sent += size;
  }
  return runs;
}

/** Every run's messages and the warm-up, or an error saying how many messages were missing. */
export async function flowSets(options: FlowSetOptions): Promise<FlowSets> {
  const random = seededRandom(options.seed ?? 11);
  const campaigns = options.campaigns ?? 3;
  const copies = options.copiesPerCampaign ?? 20;
  const mixCopies = Math.min(campaigns * copies, Math.floor(options.perRun / 4));
  const perCampaign = Math.floor(mixCopies / campaigns);
  const runsPerKind = options.rounds * options.sessions.length;
  const spamAll = loadSpam();
  const bases = await campaignBases(spamAll, runsPerKind * campaigns);
  const baseFiles = new Set(bases.map((b) => b.file));
  const ham = shuffle(loadHam(), random);
  const spam = shuffle(
    spamAll.filter((m) => !baseFiles.has(m.file)),
    random,
  );
  const distinctNeed = runsPerKind * options.perRun;
  if (ham.length < distinctNeed)
    throw new Error(`${ham.length} ham messages, ${distinctNeed} needed: lower the messages per run`);
  const distinctPool = ham.splice(0, distinctNeed);
  const mixPool = shuffle([...ham, ...spam], random);
  const mixDistinct = options.perRun - perCampaign * campaigns;
  if (mixPool.length < runsPerKind * mixDistinct)
    throw new Error(`${mixPool.length} messages left for the mix, ${runsPerKind * mixDistinct} needed`);
  const runs: FlowRunSet[] = [];
  let run = 0;
  for (let round = 1; round <= options.rounds; round++) {
    for (const sessions of options.sessions) {
      const distinct = distinctPool
        .slice(run * options.perRun, (run + 1) * options.perRun)
        .map((m, i) => toBench("ham", m.file, m.bytes, i));
      runs.push({ round, kind: "distinct", sessions, messages: distinct, campaignCopies: 0 });
      const mix = mixMessages(
        mixPool.slice(run * mixDistinct, (run + 1) * mixDistinct),
        bases.slice(run * campaigns, (run + 1) * campaigns),
        perCampaign,
        100 + run * campaigns,
        random,
      );
      runs.push({ round, kind: "mix", sessions, messages: mix, campaignCopies: perCampaign * campaigns });
      run++;
    }
  }
  let left = mixPool.slice(runsPerKind * mixDistinct);
  const warmUp = left.slice(0, options.warmUp ?? 1500).map((m, i) => toBench("ham", m.file, m.bytes, i));
  if (!options.warmUpRuns) return { runs, warmUp, warmUpRuns: [] };
  // The warm-up's campaigns from leftover spam (the measured runs the same whatever the warm-up), their bases no
  // longer sent as distinct messages.
  const warmBases = await campaignBases(
    left.filter((m) => m.group.startsWith("spam")),
    options.sessions.length * campaigns,
  );
  const warmBaseFiles = new Set(warmBases.map((b) => b.file));
  left = left.filter((m) => !warmBaseFiles.has(m.file));
  const shape = { perRun: options.perRun, sessions: options.sessions, campaigns, perCampaign };
  return { runs, warmUp, warmUpRuns: warmUpRuns(options.warmUpRuns, left, warmBases, shape, random) };
}
