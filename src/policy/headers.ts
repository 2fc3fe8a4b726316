/**
 * Setting Floodgate's own headers at end of message: add the header, or, when the incoming message already has
 * one of that name (forged or from an earlier hop), replace the first with changeHeader index 1 and delete the
 * others (changeHeader with an empty value, highest index first so no index shifts under another).
 */
import type { Header } from "../vocabulary/mail.js";
import type { Modification } from "../vocabulary/modification.js";

/** The header carrying the campaign id and counts. */
export const CAMPAIGN_HEADER = "X-Floodgate-Campaign";

/** Modifications that leave exactly one `name` header with `value`. */
export function setHeader(existing: readonly Header[], name: string, value: string): Modification[] {
  const lower = name.toLowerCase();
  const count = existing.filter((h) => h.name.toLowerCase() === lower).length;
  if (count === 0) return [{ kind: "addHeader", name, value }];
  const mods: Modification[] = [];
  for (let index = count; index >= 2; index--) mods.push({ kind: "changeHeader", index, name, value: "" });
  mods.push({ kind: "changeHeader", index: 1, name, value });
  return mods;
}
