/**
 * A message as costly to fingerprint as a message can be, a byte for a byte, for the flood that
 * test/integration/daemon-costly-mail.test.ts and benchmarks/costly-flood.ts send: about 970 KB of spans, each with a
 * near-white colour whose contrast the fingerprint works out (a hundred milliseconds or more of a thread a message),
 * numbered so that no two copies are the same message.
 */
import type { TestMessage } from "../client/client-types.js";

/** Copy `n` of the costly message, its body in lines of 998 characters as an MTA would carry them. */
export function costlyMessage(n: number): TestMessage {
  const body = `<p>copy ${n}</p>` + '<span style="color:#fefefe">s</span>'.repeat(27_000);
  return {
    sender: "flood@hostile.example",
    recipients: ["rcpt@victim.example"],
    headers: [
      ["Subject", `costly ${n}`],
      ["Content-Type", "text/html; charset=utf-8"],
    ],
    body: body.replace(/(.{998})/g, "$1\r\n") + "\r\n",
  };
}
