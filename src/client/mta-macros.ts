/**
 * The macros each MTA sends with each command, as the lab's Postfix 3.7 and Sendmail 8.17 send them
 * (milter-protocol.md §1.7): Postfix sends a `D` packet before every command, often with zero pairs, and the queue
 * id from DATA on; Sendmail sends the queue id at MAIL, no `D` before DATA, headers and body, and a message id at
 * end of message.
 */
import type { ConnectInfo } from "../vocabulary/mail.js";
import type { MtaStyle } from "./client-types.js";

export type Macros = Array<[string, string]>;

/** The macros of SMFIC_CONNECT. */
export function connectMacros(style: MtaStyle, info: ConnectInfo): Macros {
  return style === "postfix"
    ? [
        ["j", "mx.lab.local"],
        ["{daemon_name}", "mx.lab.local"],
        ["{daemon_addr}", "127.0.0.1"],
        ["v", "Postfix 3.7.11"],
        ["_", `${info.hostname} [${info.address}]`],
      ]
    : [
        ["j", "mx.lab.local"],
        ["_", `${info.hostname} [${info.address}]`],
        ["{daemon_name}", "MTA"],
        ["{if_name}", "localhost"],
        ["{if_addr}", "127.0.0.1"],
      ];
}

/** The macros of SMFIC_HELO: an empty `D` packet from Postfix, none from Sendmail. */
export function heloMacros(style: MtaStyle): Macros | null {
  return style === "postfix" ? [] : null;
}

/** The macros of SMFIC_MAIL. */
export function mailMacros(style: MtaStyle, sender: string, queueId: string): Macros {
  return style === "postfix"
    ? [
        ["{mail_addr}", sender],
        ["{mail_host}", "lab.local"],
        ["{mail_mailer}", "smtp"],
      ]
    : [
        ["i", queueId],
        ["{mail_addr}", sender],
        ["{mail_mailer}", "esmtp"],
        ["{mail_host}", "lab.local"],
      ];
}

/** The macros of SMFIC_RCPT. */
export function rcptMacros(recipient: string): Macros {
  return [
    ["{rcpt_addr}", recipient],
    ["{rcpt_host}", "lab.local"],
    ["{rcpt_mailer}", "smtp"],
  ];
}

/** The macros of DATA, each header, EOH and each body chunk: the queue id from Postfix, none from Sendmail. */
export function messageMacros(style: MtaStyle, queueId: string): Macros | null {
  return style === "postfix" ? [["i", queueId]] : null;
}

/** The macros of SMFIC_BODYEOB. */
export function endOfMessageMacros(style: MtaStyle, queueId: string): Macros {
  return style === "postfix" ? [["i", queueId]] : [["{msg_id}", `<${queueId}@lab.local>`]];
}
