/**
 * Scoring campaign recognition on the evasion set (./evasion-set.ts): recall per technique (the share of each
 * campaign's copies that carry the id most of its copies carry) and ham false merges (pairs of distinct ham that
 * share an id, per million pairs; pairs from different senders apart, since one sender's newsletter issues are
 * one mailing), from the id each message got; and the offline reference: a union-find over the fingerprints with
 * the store's matching rule.
 */
import { sameCampaign } from "../fingerprint/minhash.js";
import type { Fingerprint } from "../fingerprint/types.js";
import { sameMailing } from "./distinct-ham.js";
import { SALTED, TECHNIQUES, type EvasionMessage, type Technique } from "./evasion-set.js";

export interface EvasionScore extends HamMerges {
  recall: Record<Technique, number>;
  /** Recall over the unsalted and the salted techniques. */
  unsalted: number;
  salted: number;
}

/** Ham pairs that share an id, and per million pairs: pairs of distinct ham (two mailings of one sender are not a
 * distinct pair: src/lab/distinct-ham.ts), and all pairs. */
export interface HamMerges {
  hamPairs: number;
  hamPairsDistinct: number;
  hamPpm: number;
  hamPpmDistinct: number;
}

/** Score the ids the messages got (`ids[i]` for `messages[i]`; null: no id, counted as a miss). */
export function scoreIds(messages: readonly EvasionMessage[], ids: readonly (string | null)[]): EvasionScore {
  const perCampaign = new Map<string, Map<string, number>>();
  const copies = new Map<string, number>();
  messages.forEach((m, i) => {
    if (m.campaign === null) return;
    copies.set(m.campaign, (copies.get(m.campaign) ?? 0) + 1);
    const id = ids[i];
    if (id === null || id === undefined) return;
    const counts = perCampaign.get(m.campaign) ?? new Map<string, number>();
    perCampaign.set(m.campaign, counts);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  const hit = new Map<Technique, number>();
  const total = new Map<Technique, number>();
  for (const [campaign, n] of copies) {
    const technique = campaign.split("/")[0] as Technique;
    const best = Math.max(0, ...(perCampaign.get(campaign)?.values() ?? []));
    hit.set(technique, (hit.get(technique) ?? 0) + best);
    total.set(technique, (total.get(technique) ?? 0) + n);
  }
  const recall = Object.fromEntries(TECHNIQUES.map((t) => [t, (hit.get(t) ?? 0) / (total.get(t) || 1)])) as Record<
    Technique,
    number
  >;
  const share = (salted: boolean) => {
    const ts = TECHNIQUES.filter((t) => SALTED.has(t) === salted);
    const h = ts.reduce((n, t) => n + (hit.get(t) ?? 0), 0);
    return h / (ts.reduce((n, t) => n + (total.get(t) ?? 0), 0) || 1);
  };

  return { recall, unsalted: share(false), salted: share(true), ...hamMerges(messages, ids) };
}

/** Ham pairs that share an id: of distinct ham (not two mailings of one sender), and of all ham. */
function hamMerges(messages: readonly EvasionMessage[], ids: readonly (string | null)[]): HamMerges {
  const ham = messages.flatMap((m, i) => (m.mailing ? [{ mailing: m.mailing, id: ids[i] ?? null }] : []));
  let allPairs = 0;
  let distinctPairs = 0;
  let hamPairs = 0;
  let hamPairsDistinct = 0;
  for (let a = 0; a < ham.length; a++) {
    for (let b = a + 1; b < ham.length; b++) {
      const distinct = !sameMailing(ham[a]!.mailing, ham[b]!.mailing);
      const merged = ham[a]!.id !== null && ham[a]!.id === ham[b]!.id;
      allPairs++;
      if (distinct) distinctPairs++;
      if (merged) hamPairs++;
      if (merged && distinct) hamPairsDistinct++;
    }
  }
  return {
    hamPairs,
    hamPairsDistinct,
    hamPpm: (hamPairs / (allPairs || 1)) * 1e6,
    hamPpmDistinct: (hamPairsDistinct / (distinctPairs || 1)) * 1e6,
  };
}

/** The ids an offline union-find gives: messages are joined when their MinHash values match by the store's rule
 * (`share`) or their exact keys are equal; a component's id is its first member's index. */
export function offlineIds(fingerprints: readonly (Fingerprint | null)[], share: number): (string | null)[] {
  const n = fingerprints.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const union = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const byValue = new Map<number, number[]>();
  const byDirect = new Map<string, number>();
  const tried = new Set<number>();
  fingerprints.forEach((fp, i) => {
    if (!fp) return;
    const first = byDirect.get(fp.direct);
    if (first === undefined) byDirect.set(fp.direct, i);
    else union(first, i);
    for (const value of fp.minhash ?? []) {
      const list = byValue.get(value) ?? [];
      byValue.set(value, list);
      for (const j of list) {
        if (tried.has(j * n + i)) continue;
        tried.add(j * n + i);
        if (sameCampaign(fingerprints[j]!.minhash!, fp.minhash!, share)) union(j, i);
      }
      list.push(i);
    }
  });
  return fingerprints.map((fp, i) => (fp ? String(find(i)) : null));
}

/** The score as lines of text. */
export function formatScore(label: string, score: EvasionScore): string {
  const techniques = TECHNIQUES.map((t) => `${t} ${score.recall[t].toFixed(3)}`).join(", ");
  return (
    `${label}: recall ${techniques}; unsalted ${score.unsalted.toFixed(3)}, salted ${score.salted.toFixed(3)}; ` +
    `ham false merges ${score.hamPpmDistinct.toFixed(1)} ppm of distinct pairs (${score.hamPairsDistinct} pairs), ` +
    `${score.hamPpm.toFixed(1)} ppm of all pairs (${score.hamPairs} pairs, one sender's mailings included)`
  );
}
