/**
 * What a session of the TypeScript engine writes to (a socket, or a recorder in the tests), and the error that closes
 * it when the peer breaks the protocol.
 */

/** Where a session's bytes go. */
export interface Transport {
  write(data: Buffer): void;
  /** Close the connection; `error` when it ends because of a protocol error. */
  close(error?: Error): void;
  pause?(): void;
  resume?(): void;
}

/** Thrown for a peer that breaks the protocol: the session closes with a warning, counted under `kind`. */
export class ProtocolError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}
