/**
 * The largest packet each command code may be, below `milter.maxPacketBytes`, checked by the decoder as soon as a
 * packet's code is in: the commands whose strings a session parses and keeps.
 */
import {
  MILTER_MAX_DATA_SIZE,
  SMFIC_CONNECT,
  SMFIC_HELO,
  SMFIC_MACRO,
  SMFIC_MAIL,
  SMFIC_RCPT,
  SMFIC_UNKNOWN,
} from "./constants.js";
import { MAX_MACRO_PACKET_BYTES } from "./macros.js";

/**
 * The largest SMFIC_CONNECT, HELO, MAIL, RCPT or UNKNOWN packet (its length: the code, then the payload): libmilter
 * drops any packet whose payload is over 65535 bytes (MILTER_MAX_DATA_SIZE, milter-protocol.md §1.2), so every MTA
 * already sends these within it. Header and body packets are not capped here: Postfix sends header fields up to
 * its header_size_limit of 100 KiB.
 */
export const MAX_SMTP_COMMAND_PACKET_BYTES = MILTER_MAX_DATA_SIZE + 1;

/** The cap of each capped code, before option negotiation and after. */
export const MAX_PACKET_BYTES_OF: ReadonlyMap<number, number> = new Map([
  [SMFIC_MACRO, MAX_MACRO_PACKET_BYTES],
  [SMFIC_CONNECT, MAX_SMTP_COMMAND_PACKET_BYTES],
  [SMFIC_HELO, MAX_SMTP_COMMAND_PACKET_BYTES],
  [SMFIC_MAIL, MAX_SMTP_COMMAND_PACKET_BYTES],
  [SMFIC_RCPT, MAX_SMTP_COMMAND_PACKET_BYTES],
  [SMFIC_UNKNOWN, MAX_SMTP_COMMAND_PACKET_BYTES],
]);
