/**
 * Milter protocol constants, with the names libmilter's mfdef.h and mfapi.h give them.
 * Reference: shared/reference/milter-protocol.md §1.3–1.6.
 */

/** Bytes in the big-endian length prefix of every packet. */
export const MILTER_LEN_BYTES = 4;
/** Bytes of the three option words in an SMFIC_OPTNEG payload. */
export const MILTER_OPTLEN = 12;
/** Largest body chunk, and the largest packet we send. */
export const MILTER_CHUNK_SIZE = 65535;
/** libmilter's default inbound payload cap; ours is configurable and larger (§1.2). */
export const MILTER_MAX_DATA_SIZE = 65535;

/** The newest protocol version; the only ones in use are 2, 3, 4 and 6 (§1.11). */
export const SMFI_PROT_VERSION = 6;
export const SMFI_PROT_VERSION_MIN = 2;

/** Commands, MTA → milter (§1.3). */
export const SMFIC_ABORT = 0x41; // 'A'
export const SMFIC_BODY = 0x42; // 'B'
export const SMFIC_CONNECT = 0x43; // 'C'
export const SMFIC_MACRO = 0x44; // 'D'
export const SMFIC_BODYEOB = 0x45; // 'E'
export const SMFIC_HELO = 0x48; // 'H'
export const SMFIC_QUIT_NC = 0x4b; // 'K'
export const SMFIC_HEADER = 0x4c; // 'L'
export const SMFIC_MAIL = 0x4d; // 'M'
export const SMFIC_EOH = 0x4e; // 'N'
export const SMFIC_OPTNEG = 0x4f; // 'O'
export const SMFIC_QUIT = 0x51; // 'Q'
export const SMFIC_RCPT = 0x52; // 'R'
export const SMFIC_DATA = 0x54; // 'T'
export const SMFIC_UNKNOWN = 0x55; // 'U'

/** Responses, milter → MTA (§1.4). */
export const SMFIR_ADDRCPT = 0x2b; // '+'
export const SMFIR_DELRCPT = 0x2d; // '-'
export const SMFIR_ADDRCPT_PAR = 0x32; // '2'
export const SMFIR_SHUTDOWN = 0x34; // '4'
export const SMFIR_ACCEPT = 0x61; // 'a'
export const SMFIR_REPLBODY = 0x62; // 'b'
export const SMFIR_CONTINUE = 0x63; // 'c'
export const SMFIR_DISCARD = 0x64; // 'd'
export const SMFIR_CHGFROM = 0x65; // 'e'
export const SMFIR_CONN_FAIL = 0x66; // 'f'
export const SMFIR_ADDHEADER = 0x68; // 'h'
export const SMFIR_INSHEADER = 0x69; // 'i'
export const SMFIR_SETSYMLIST = 0x6c; // 'l'
export const SMFIR_CHGHEADER = 0x6d; // 'm'
export const SMFIR_PROGRESS = 0x70; // 'p'
export const SMFIR_QUARANTINE = 0x71; // 'q'
export const SMFIR_REJECT = 0x72; // 'r'
export const SMFIR_SKIP = 0x73; // 's'
export const SMFIR_TEMPFAIL = 0x74; // 't'
export const SMFIR_REPLYCODE = 0x79; // 'y'
/** The reply to SMFIC_OPTNEG carries the same code. */
export const SMFIR_OPTNEG = SMFIC_OPTNEG;

/** Action flags: what the milter may do at end of message (§1.5). */
export const SMFIF_ADDHDRS = 0x01;
export const SMFIF_CHGBODY = 0x02;
export const SMFIF_ADDRCPT = 0x04;
export const SMFIF_DELRCPT = 0x08;
export const SMFIF_CHGHDRS = 0x10;
export const SMFIF_QUARANTINE = 0x20;
export const SMFIF_CHGFROM = 0x40;
export const SMFIF_ADDRCPT_PAR = 0x80;
export const SMFIF_SETSYMLIST = 0x100;
export const SMFI_V1_ACTS = 0x0f;
export const SMFI_V2_ACTS = 0x3f;
export const SMFI_CURR_ACTS = 0x1ff;

/** Protocol flags: steps not to send, capabilities, and steps with no reply (§1.5). */
export const SMFIP_NOCONNECT = 0x1;
export const SMFIP_NOHELO = 0x2;
export const SMFIP_NOMAIL = 0x4;
export const SMFIP_NORCPT = 0x8;
export const SMFIP_NOBODY = 0x10;
export const SMFIP_NOHDRS = 0x20;
export const SMFIP_NOEOH = 0x40;
export const SMFIP_NR_HDR = 0x80;
export const SMFIP_NOHREPL = SMFIP_NR_HDR;
export const SMFIP_NOUNKNOWN = 0x100;
export const SMFIP_NODATA = 0x200;
export const SMFIP_SKIP = 0x400;
export const SMFIP_RCPT_REJ = 0x800;
export const SMFIP_NR_CONN = 0x1000;
export const SMFIP_NR_HELO = 0x2000;
export const SMFIP_NR_MAIL = 0x4000;
export const SMFIP_NR_RCPT = 0x8000;
export const SMFIP_NR_DATA = 0x10000;
export const SMFIP_NR_UNKN = 0x20000;
export const SMFIP_NR_EOH = 0x40000;
export const SMFIP_NR_BODY = 0x80000;
export const SMFIP_HDR_LEADSPC = 0x100000;
export const SMFIP_MDS_256K = 0x10000000;
export const SMFIP_MDS_1M = 0x20000000;
export const SMFI_INTERNAL = 0x70000000;
export const SMFI_V1_PROT = 0x3f;
export const SMFI_V2_PROT = 0x7f;
export const SMFI_CURR_PROT = 0x1fffff;

/** Macro stages in the SMFIR_OPTNEG symbol lists (§1.6). EOM (5) comes before EOH (6). */
export const SMFIM_CONNECT = 0;
export const SMFIM_HELO = 1;
export const SMFIM_ENVFROM = 2;
export const SMFIM_ENVRCPT = 3;
export const SMFIM_DATA = 4;
export const SMFIM_EOM = 5;
export const SMFIM_EOH = 6;

/** Connect families (§1.8). */
export const SMFIA_UNKNOWN = 0x55; // 'U'
export const SMFIA_UNIX = 0x4c; // 'L'
export const SMFIA_INET = 0x34; // '4'
export const SMFIA_INET6 = 0x36; // '6'

/** A readable name for a command or response code, for logs and errors. */
export function codeName(code: number): string {
  const ch = String.fromCharCode(code);
  return /[\x21-\x7e]/.test(ch) ? `'${ch}'` : `0x${code.toString(16).padStart(2, "0")}`;
}
