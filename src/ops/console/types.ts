/**
 * What the console reads and acts through: handed over by the daemon's ops unit, so that the console imports no
 * engine, pool or queue itself.
 */
import type { Config } from "../../config/schema.js";
import type { SampleStore } from "../../reputation/samples.js";
import type { Actor, CampaignStore } from "../../reputation/types.js";
import type { Logger } from "../../util/logger.js";
import type { FiringAlert } from "../alerts/manager.js";
import type { MailFlowSnapshot } from "../mail-flow.js";
import type { QueueStatus } from "../status.js";
import type { FlowCounts } from "./flow-history.js";

/**
 * The hold queue's actions on a campaign's held copies (provided when `policy.holdMode` keeps copies in the MTA's
 * hold queue); each resolves with the number of copies it acted on.
 */
export interface HeldCopies {
  /** Held copies of the campaign now. */
  count(campaignId: string): Promise<number>;
  release(campaignId: string, by: Actor): Promise<number>;
  delete(campaignId: string, by: Actor): Promise<number>;
}

/** Re-scan a campaign now from its sample message; resolves with what the queue did, or why it could not. */
export type RescanNow = (campaignId: string, message: Buffer) => Promise<string>;

/** The console's sources and sinks. */
export interface ConsoleDeps {
  config: () => Config;
  /** The admin token the login checks. */
  adminToken: string;
  /** The campaign store on the console's own Redis connection (never the mail path's). */
  store: CampaignStore;
  /** The samples (null when `console.samples.enabled` is off). */
  samples: SampleStore | null;
  /** Searches campaigns by subject, off the mail path; resolves with ids, most recently seen first. */
  search: (query: string, limit: number) => Promise<{ ids: string[]; searched: number }>;
  /** Queue a scan now (absent when the queue is off). */
  rescanNow?: RescanNow;
  /** The hold queue's actions (absent until the hold queue is configured). */
  held?: HeldCopies;
  /** Shadow mode now, and the switch. */
  shadow: () => boolean;
  setShadow: (on: boolean, actor: string) => void;
  mailFlow: () => MailFlowSnapshot;
  /** Cumulative counts of the flow series (flow-history.ts). */
  flowCounts: () => Promise<FlowCounts>;
  queue?: () => Promise<QueueStatus>;
  alerts: () => FiringAlert[];
  logger?: Logger;
}
