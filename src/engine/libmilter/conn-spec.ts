/**
 * libmilter listens on one socket, named its own way (`smfi_setconn`): Floodgate's Postfix-style listen specs
 * (`inet:127.0.0.1:PORT`, `inet6:[::1]:PORT`, `unix:/path`) become `inet:PORT@127.0.0.1`, `inet6:PORT@::1`,
 * `unix:/path`. Port 0 cannot work: libmilter never says which port the kernel chose.
 */
import { parseListenSpec, type ListenTarget } from "../../milter/listen-spec.js";

export class LibmilterSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LibmilterSpecError";
  }
}

export interface LibmilterListen {
  /** The spec for smfi_setconn. */
  conn: string;
  target: ListenTarget;
}

/** Convert the one listen spec the libmilter engine supports; several, or port 0, are refused with a clear error. */
export function libmilterListen(specs: readonly string[]): LibmilterListen {
  if (specs.length !== 1)
    throw new LibmilterSpecError(
      `the libmilter engine listens on exactly one socket (libmilter's smfi_setconn), got ${specs.length}: ` +
        `${specs.join(", ")}; use the TypeScript engine for several`,
    );
  const target = parseListenSpec(specs[0]!);
  if (target.kind === "unix") return { conn: `unix:${target.path}`, target };
  if (target.port === 0)
    throw new LibmilterSpecError(`listen spec "${specs[0]}": the libmilter engine needs a real port, not 0`);
  const scheme = target.host.includes(":") ? "inet6" : "inet";
  return { conn: `${scheme}:${target.port}@${target.host}`, target };
}
