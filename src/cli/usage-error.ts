/**
 * A command line that parses but makes no sense: `floodgate` prints the message, then the command's usage, and exits
 * 64 (sysexits EX_USAGE).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
