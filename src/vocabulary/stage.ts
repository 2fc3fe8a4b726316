/**
 * The stages of a milter session: the words every layer uses for where a session is (the codec's no-reply flags,
 * the session's deadlines, the policy's `decidesAt`, the configuration's `noReplyStages`).
 */

/** The stages of a milter session, in the order an MTA sends them. */
export type Stage = "connect" | "helo" | "mail" | "rcpt" | "data" | "header" | "eoh" | "body" | "eom" | "unknown";
