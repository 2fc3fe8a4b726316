/**
 * What JavaScript hands the shim with fg_reply: the status (libmilter's SMFIS_*), the SMTP reply text split for
 * smfi_setreply/smfi_setmlreply, and the end-of-message modifications in the shim's layout (native/shim/sessions.c):
 * u8 kind (the SMFIR_* letter), u32 index, then two fields, each u32 length + bytes + NUL (little-endian).
 */
import { formatReply } from "../../milter/reply-code.js";
import type { Modification } from "../../vocabulary/modification.js";
import type { Verdict } from "../../vocabulary/verdict.js";

/** libmilter's sfsistat values (mfapi.h). */
export const SMFIS_CONTINUE = 0;
export const SMFIS_REJECT = 1;
export const SMFIS_DISCARD = 2;
export const SMFIS_ACCEPT = 3;
export const SMFIS_TEMPFAIL = 4;

/** The sfsistat a verdict becomes. */
export function statusOf(verdict: Verdict): number {
  switch (verdict.kind) {
    case "continue":
      return SMFIS_CONTINUE;
    case "accept":
      return SMFIS_ACCEPT;
    case "discard":
      return SMFIS_DISCARD;
    case "reject":
      return SMFIS_REJECT;
    case "tempfail":
      return SMFIS_TEMPFAIL;
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The reply text for a reject or tempfail verdict as `rcode\0xcode\0line\0…`, validated and `%`-escaped exactly as
 * the TypeScript engine formats it (src/milter/reply-code.ts). Throws ReplyCodeError for an invalid reply; an empty
 * buffer when the verdict carries none.
 */
export function encodeReply(verdict: Verdict & { readonly formattedReply?: string }): Buffer {
  if ((verdict.kind !== "reject" && verdict.kind !== "tempfail") || !verdict.reply) return EMPTY;
  const formatted = verdict.formattedReply ?? formatReply(verdict.reply, verdict.kind);
  const code = String(verdict.reply.code);
  const xcode = verdict.reply.xcode ?? `${code[0]}.0.0`;
  const prefix = code.length + 1 + xcode.length + 1;
  const lines = formatted.split("\r\n").map((line) => line.slice(prefix));
  return Buffer.from([code, xcode, ...lines].map((s) => `${s}\0`).join(""), "utf8");
}

function record(kind: string, index: number, a: Buffer, b: Buffer = EMPTY): Buffer {
  const out = Buffer.alloc(1 + 4 + 4 + a.length + 1 + 4 + b.length + 1);
  out[0] = kind.charCodeAt(0);
  out.writeUInt32LE(index >>> 0, 1);
  out.writeUInt32LE(a.length, 5);
  a.copy(out, 9);
  out.writeUInt32LE(b.length, 9 + a.length + 1);
  b.copy(out, 9 + a.length + 1 + 4);
  return out;
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

/** Encode modifications, in the given order, for the shim; `leadingSpace` when SMFIP_HDR_LEADSPC was negotiated. */
export function encodeModifications(mods: readonly Modification[], leadingSpace: boolean): Buffer {
  const headerValue = (v: string) => utf8((leadingSpace && !/^[ \t]/.test(v) ? ` ${v}` : v).replace(/\r\n/g, "\n"));
  const out: Buffer[] = [];
  for (const mod of mods) {
    switch (mod.kind) {
      case "addHeader":
        out.push(record("h", 0, utf8(mod.name), headerValue(mod.value)));
        break;
      case "insertHeader":
        out.push(record("i", mod.index, utf8(mod.name), headerValue(mod.value)));
        break;
      case "changeHeader":
        out.push(record("m", mod.index, utf8(mod.name), mod.value === "" ? EMPTY : headerValue(mod.value)));
        break;
      case "changeFrom":
        out.push(record("e", 0, utf8(mod.address), utf8((mod.args ?? []).join(" "))));
        break;
      case "addRecipient":
        out.push(
          mod.args && mod.args.length > 0
            ? record("2", 0, utf8(mod.address), utf8(mod.args.join(" ")))
            : record("+", 0, utf8(mod.address)),
        );
        break;
      case "deleteRecipient":
        out.push(record("-", 0, utf8(mod.address)));
        break;
      case "replaceBody":
        out.push(record("b", 0, mod.body));
        break;
      case "quarantine":
        out.push(record("q", 0, utf8(mod.reason)));
        break;
    }
  }
  return Buffer.concat(out);
}
