/**
 * Responses, milter → MTA: encoding (for the engine) and parsing (for src/client), §1.4–1.6.
 * Header values are folded with "\n" + whitespace, never CR; with SMFIP_HDR_LEADSPC the leading space is ours to add.
 */
import {
  SMFIR_ACCEPT,
  SMFIR_ADDHEADER,
  SMFIR_ADDRCPT,
  SMFIR_ADDRCPT_PAR,
  SMFIR_CHGFROM,
  SMFIR_CHGHEADER,
  SMFIR_CONTINUE,
  SMFIR_DELRCPT,
  SMFIR_DISCARD,
  SMFIR_INSHEADER,
  SMFIR_OPTNEG,
  SMFIR_PROGRESS,
  SMFIR_QUARANTINE,
  SMFIR_REJECT,
  SMFIR_REPLBODY,
  SMFIR_REPLYCODE,
  SMFIR_SHUTDOWN,
  SMFIR_SKIP,
  SMFIR_TEMPFAIL,
  MILTER_CHUNK_SIZE,
  MILTER_OPTLEN,
  SMFIR_CONN_FAIL,
  SMFIR_SETSYMLIST,
} from "./constants.js";
import { encodeFrame, encodeStringsFrame } from "./encoder.js";
import type { Frame } from "./decoder.js";
import { cStrings, readCString, splitCStrings } from "./strings.js";
import type { Modification } from "../vocabulary/modification.js";

/** Macro lists per SMFIM_* stage, appended to the negotiation reply (§1.6). */
export type MacroLists = Partial<Record<number, string[]>>;

export const encodeResponse = {
  optneg(version: number, actions: number, protocol: number, macros?: MacroLists): Buffer {
    const parts: Buffer[] = [Buffer.allocUnsafe(MILTER_OPTLEN)];
    parts[0]!.writeUInt32BE(version, 0);
    parts[0]!.writeUInt32BE(actions, 4);
    parts[0]!.writeUInt32BE(protocol, 8);
    for (const [stage, names] of Object.entries(macros ?? {})) {
      if (!names) continue;
      const s = Buffer.allocUnsafe(4);
      s.writeUInt32BE(Number(stage), 0);
      parts.push(s, cStrings(names.join(" ")));
    }
    return encodeFrame(SMFIR_OPTNEG, Buffer.concat(parts));
  },
  continue: () => encodeFrame(SMFIR_CONTINUE),
  accept: () => encodeFrame(SMFIR_ACCEPT),
  reject: () => encodeFrame(SMFIR_REJECT),
  tempfail: () => encodeFrame(SMFIR_TEMPFAIL),
  discard: () => encodeFrame(SMFIR_DISCARD),
  skip: () => encodeFrame(SMFIR_SKIP),
  progress: () => encodeFrame(SMFIR_PROGRESS),
  shutdown: () => encodeFrame(SMFIR_SHUTDOWN),
  /** A reply already validated by formatReply. */
  replyCode: (formatted: string) => encodeStringsFrame(SMFIR_REPLYCODE, [formatted]),
};

/** Encode one modification; `leadingSpace` when SMFIP_HDR_LEADSPC was negotiated. Body replacement comes chunked. */
export function encodeModification(mod: Modification, leadingSpace: boolean): Buffer[] {
  const headerValue = (v: string) => (leadingSpace && !/^[ \t]/.test(v) ? ` ${v}` : v).replace(/\r\n/g, "\n");
  switch (mod.kind) {
    case "addHeader":
      return [encodeStringsFrame(SMFIR_ADDHEADER, [mod.name, headerValue(mod.value)])];
    case "insertHeader":
    case "changeHeader": {
      const index = Buffer.allocUnsafe(4);
      index.writeUInt32BE(mod.index, 0);
      const code = mod.kind === "insertHeader" ? SMFIR_INSHEADER : SMFIR_CHGHEADER;
      const value = mod.kind === "changeHeader" && mod.value === "" ? "" : headerValue(mod.value);
      return [encodeStringsFrame(code, [mod.name, value], index)];
    }
    case "changeFrom":
      return [encodeStringsFrame(SMFIR_CHGFROM, [mod.address, ...(mod.args ?? [])])];
    case "addRecipient":
      return mod.args && mod.args.length > 0
        ? [encodeStringsFrame(SMFIR_ADDRCPT_PAR, [mod.address, ...mod.args])]
        : [encodeStringsFrame(SMFIR_ADDRCPT, [mod.address])];
    case "deleteRecipient":
      return [encodeStringsFrame(SMFIR_DELRCPT, [mod.address])];
    case "replaceBody": {
      const out: Buffer[] = [];
      for (let i = 0; i < mod.body.length; i += MILTER_CHUNK_SIZE) {
        out.push(encodeFrame(SMFIR_REPLBODY, mod.body.subarray(i, i + MILTER_CHUNK_SIZE)));
      }
      if (out.length === 0) out.push(encodeFrame(SMFIR_REPLBODY));
      return out;
    }
    case "quarantine":
      return [encodeStringsFrame(SMFIR_QUARANTINE, [mod.reason])];
  }
}

/** A response as the MTA side reads it. */
export type Response =
  | { type: "optneg"; version: number; actions: number; protocol: number; macros: MacroLists }
  | { type: "continue" | "accept" | "reject" | "tempfail" | "discard" | "skip" | "progress" | "shutdown" | "connFail" }
  | { type: "replyCode"; text: string }
  | { type: "modification"; modification: Modification }
  | { type: "setsymlist" }
  | { type: "unrecognised"; code: number };

/** True for a response that ends the MTA's wait for a command's reply. */
export function isFinalResponse(r: Response): boolean {
  return r.type !== "modification" && r.type !== "progress";
}

export function parseResponse(frame: Frame): Response {
  const { code, payload } = frame;
  switch (code) {
    case SMFIR_OPTNEG: {
      const macros: MacroLists = {};
      let offset = MILTER_OPTLEN;
      while (offset + 4 <= payload.length) {
        const stage = payload.readUInt32BE(offset);
        const list = readCString(payload, offset + 4);
        macros[stage] = list.value.split(/\s+/).filter(Boolean);
        offset = list.next;
      }
      return {
        type: "optneg",
        version: payload.readUInt32BE(0),
        actions: payload.readUInt32BE(4),
        protocol: payload.readUInt32BE(8),
        macros,
      };
    }
    case SMFIR_CONTINUE:
      return { type: "continue" };
    case SMFIR_ACCEPT:
      return { type: "accept" };
    case SMFIR_REJECT:
      return { type: "reject" };
    case SMFIR_TEMPFAIL:
      return { type: "tempfail" };
    case SMFIR_DISCARD:
      return { type: "discard" };
    case SMFIR_SKIP:
      return { type: "skip" };
    case SMFIR_PROGRESS:
      return { type: "progress" };
    case SMFIR_SHUTDOWN:
      return { type: "shutdown" };
    case SMFIR_CONN_FAIL:
      return { type: "connFail" };
    case SMFIR_SETSYMLIST:
      return { type: "setsymlist" };
    case SMFIR_REPLYCODE:
      return { type: "replyCode", text: readCString(payload, 0).value };
    case SMFIR_ADDHEADER: {
      const [name = "", value = ""] = splitCStrings(payload);
      return { type: "modification", modification: { kind: "addHeader", name, value } };
    }
    case SMFIR_INSHEADER:
    case SMFIR_CHGHEADER: {
      const index = payload.readUInt32BE(0);
      const [name = "", value = ""] = splitCStrings(payload, 4);
      const kind = code === SMFIR_INSHEADER ? "insertHeader" : "changeHeader";
      return { type: "modification", modification: { kind, index, name, value } };
    }
    case SMFIR_CHGFROM: {
      const [address = "", ...args] = splitCStrings(payload);
      return { type: "modification", modification: { kind: "changeFrom", address, args } };
    }
    case SMFIR_ADDRCPT:
    case SMFIR_ADDRCPT_PAR: {
      const [address = "", ...args] = splitCStrings(payload);
      return { type: "modification", modification: { kind: "addRecipient", address, args } };
    }
    case SMFIR_DELRCPT:
      return {
        type: "modification",
        modification: { kind: "deleteRecipient", address: readCString(payload, 0).value },
      };
    case SMFIR_REPLBODY:
      return { type: "modification", modification: { kind: "replaceBody", body: Buffer.from(payload) } };
    case SMFIR_QUARANTINE:
      return { type: "modification", modification: { kind: "quarantine", reason: readCString(payload, 0).value } };
    default:
      return { type: "unrecognised", code };
  }
}
