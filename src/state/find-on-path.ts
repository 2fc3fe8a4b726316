/** Where a program is: the lookup the private services and their priority prefix share. */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** The absolute path of `command` on PATH, or null. */
export function findOnPath(command: string, path = process.env["PATH"] ?? ""): string | null {
  const candidates = isAbsolute(command) ? [command] : path.split(delimiter).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}
