/**
 * Observations for the campaign store's benchmarks: each message fingerprinted on the calling thread with the default
 * settings, as the daemon's threads would, with its sender and recipients.
 */
import { defaultConfig } from "../config/schema.js";
import { runFingerprintTask } from "../fingerprint/task.js";
import type { Fingerprint } from "../fingerprint/types.js";
import type { Observation } from "../reputation/types.js";
import type { BenchMessage } from "./messages.js";

/** The observations of `messages` (a message the fingerprint refuses is left out). */
export async function observationsOf(messages: readonly BenchMessage[]): Promise<Observation[]> {
  const c = defaultConfig().fingerprint;
  const out: Observation[] = [];
  for (const m of messages) {
    const r = await runFingerprintTask({
      message: m.raw,
      parseBytes: c.parseKiB * 1024,
      minWords: c.minWords,
      attachmentMinBytes: 1024,
      previousVersion: c.previousVersion,
      storeValues: true,
    });
    if (r.status !== "ok") continue;
    out.push({
      fingerprint: r.fingerprint,
      sender: m.message.sender,
      recipients: m.message.recipients,
      clientIp: "192.0.2.7",
    });
  }
  return out;
}

/** A fingerprint without the values the threads write in the store's form (`minhashPacked`, `sampleText`,
 * `version2Text`): what another build's store is given, since that form is this build's; a store writes it from the
 * values when it is absent, on its caller's thread, not in Redis. */
export function withoutStoreForm(fingerprint: Fingerprint): Fingerprint {
  const { minhashPacked: _values, sampleText: _sample, version2Text: _version2, ...rest } = fingerprint;
  return rest;
}

/** A fingerprint as the threads make it when the store needs no earlier version's keys. */
export function withoutEarlier(fingerprint: Fingerprint): Fingerprint {
  const { previous: _previous, version2: _version2, version2Text: _text, ...current } = fingerprint;
  return current;
}
