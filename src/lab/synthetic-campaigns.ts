/**
 * Test support: campaigns in a real campaign store, made from synthetic fingerprints.
 */
import { randomBytes } from "node:crypto";
import { FINGERPRINT_VERSION, type Fingerprint } from "../fingerprint/types.js";
import type { CampaignStore } from "../reputation/types.js";

/**
 * A fingerprint with no message behind it: a fresh exact digest, no MinHash values (a short text), no attachments or
 * links, unless `fields` says otherwise.
 */
export function syntheticFingerprint(fields: Partial<Fingerprint> = {}): Fingerprint {
  return {
    version: FINGERPRINT_VERSION,
    minhash: null,
    direct: randomBytes(20).toString("hex"),
    attachments: [],
    attachmentKinds: [],
    linkDomains: [],
    words: 3,
    hiddenChars: 0,
    hiddenShare: 0,
    subject: "offer",
    bytesParsed: 100,
    truncated: false,
    limit: null,
    ...fields,
  };
}

/** Start a campaign (an observation with a fresh exact digest) and return its id. */
export async function newCampaign(store: CampaignStore): Promise<string> {
  const view = await store.observe({
    fingerprint: syntheticFingerprint(),
    sender: "a@example.com",
    recipients: ["b@example.org"],
    clientIp: "192.0.2.1",
  });
  return view.id;
}
