/**
 * Changes to the message a policy asks for at end of message (milter-protocol.md §1.4); the engines encode them,
 * as wire frames (src/milter/encoder.ts) or as the libmilter shim's records.
 */

export type Modification =
  | { kind: "addHeader"; name: string; value: string }
  | { kind: "insertHeader"; index: number; name: string; value: string }
  | { kind: "changeHeader"; index: number; name: string; value: string }
  | { kind: "changeFrom"; address: string; args?: string[] }
  | { kind: "addRecipient"; address: string; args?: string[] }
  | { kind: "deleteRecipient"; address: string }
  | { kind: "replaceBody"; body: Buffer }
  | { kind: "quarantine"; reason: string };
