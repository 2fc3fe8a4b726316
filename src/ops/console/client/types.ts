/** The shapes the console's API sends (the server's overview.ts and campaign-detail.ts; a row: ./row.ts). */
import type { Row } from "./row.js";

export type { Row };

export interface Alert {
  alertname: string;
  severity: string;
  since: number;
  summary: string;
}

export interface OverviewData {
  at: number;
  shadow: boolean;
  flow: { minutes: number[]; series: Record<string, number[]> };
  queue: { backlog: number; oldestJobAgeSeconds: number | null; counts: Record<string, number> } | null;
  alerts: Alert[];
  watchdog: {
    state: string;
    firing: string[];
    secondsSinceSession: number;
    secondsSinceAccepted: number;
    window: { seconds: number; decided: number; rejectRatio: number; tempfailRatio: number };
  };
  holdQueue: boolean;
  errors: Record<string, string>;
}

export interface CampaignsData {
  at: number;
  rows: Row[];
  error?: string | null;
}

/** The first entries of a list and how many more it holds (campaign-detail.ts BoundedList). */
export interface BoundedList {
  shown: string[];
  more: number;
}

export interface DetailData {
  /** What the campaign's ham verdict covers (campaign-detail.ts VerdictCover); null unless it is ham. `covered` null:
   * every copy. */
  cover: { covered: BoundedList | null; refused: BoundedList } | null;
  campaign: Row & {
    verdict: {
      verdict: string;
      scanner: string;
      score: number;
      threshold: number | null;
      rules: string[];
      at: number;
    } | null;
    decision: { label: string; how: string; by: string; why: string; at: number } | null;
    reports: { spam: number; ham: number };
    bulkSince: number | null;
  };
  samples: {
    message: {
      from: string;
      subject: string;
      date: string | null;
      text: string;
      source: string;
      attachments: { filename: string; contentType: string; size: number }[];
    } | null;
    messageError?: string;
    messageAt: number | null;
    subjects: string[];
    linkDomains: string[];
    attachments: string[];
    senderDomains: string[];
    clientNetworks: string[];
  };
  timeline: { at: number; what: string; by: string; detail: string }[];
  spark: number[];
  held: number | null;
}
