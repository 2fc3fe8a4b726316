/** `floodgate replay`'s text report: the thresholds used, then every campaign that turned bulk, then a summary. */
import type { ReplayReport } from "./replay.js";

export function formatReplay(r: ReplayReport, options: { all: boolean }): string {
  const t = r.thresholds;
  const lines = [
    `replayed ${r.messages} messages from ${r.source} (${r.kind}), in order of arrival` +
      (r.undated > 0 ? `; ${r.undated} without a readable Received or Date placed after the message before them` : ""),
    `thresholds: bulk at ${t.bulk.copies} copies, ${t.bulk.recipients} recipients or ${t.bulk.senders} senders within ` +
      `${t.windowSeconds} s; a campaign forgotten after ${t.ttlSeconds} s unseen` +
      (t.votes === null ? "" : `; ${t.votes} MinHash votes to join`),
    `holds: ${t.holdBulk ? `${t.holdMode} for ${t.holdSeconds} s after a campaign turns bulk` : "off"}; scanners: ` +
      (t.scanners.length > 0 ? t.scanners.join(", ") : "none (no verdicts, no rejects)") +
      (t.rescanNewLinksSeconds > 0
        ? `; a ham verdict covers its copies' links and attached kinds, a copy carrying others is scanned at most ` +
          `once each ${t.rescanNewLinksSeconds} s`
        : "; a ham verdict covers every copy"),
  ];
  const bulk = r.campaigns.filter((c) => c.bulkAt !== null);
  const shown = options.all ? r.campaigns : bulk;
  lines.push(
    `${r.campaigns.length} campaigns, ${bulk.length} turned bulk; ` +
      `held ${sum(r, "held")}, rejected ${sum(r, "rejected")}, passed ${sum(r, "passed")} messages` +
      (r.unparsed > 0 ? `; ${r.unparsed} could not be fingerprinted` : "") +
      linksNote(sumLinks(r, "unscanned"), sumLinks(r, "spam")),
  );
  if (shown.length > 0) lines.push(options.all ? "campaigns:" : "campaigns that turned bulk:");
  for (const c of shown) {
    const verdict = c.verdict ? `, ${c.verdict.verdict} (${c.verdict.scanner} ${c.verdict.score})` : "";
    const turned = c.bulkAt ? `, bulk at copy ${c.bulkAtCopy} on ${c.bulkAt}` : "";
    lines.push(
      `  ${c.campaign}: ${c.copies} copies ${c.firstSeen} .. ${c.lastSeen}${turned}; held ${c.held}, ` +
        `rejected ${c.rejected}, passed ${c.passed}${linksNote(c.links.unscanned, c.links.spam)}${verdict} ` +
        `"${c.subject.slice(0, 60)}"`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function sum(r: ReplayReport, key: "held" | "rejected" | "passed"): number {
  return r.campaigns.reduce((a, c) => a + c[key], 0);
}

function sumLinks(r: ReplayReport, key: "unscanned" | "spam"): number {
  return r.campaigns.reduce((a, c) => a + c.links[key], 0);
}

/** Copies a ham verdict did not cover, by their status's `links=`; nothing when there were none. */
function linksNote(unscanned: number, spam: number): string {
  if (unscanned + spam === 0) return "";
  return `; links outside the ham verdict: unscanned ${unscanned}, spam ${spam}`;
}
