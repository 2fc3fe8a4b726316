/**
 * Test support: Debian's Chromium driven by playwright-core (scripts/install-deps.sh test installs the package). A
 * missing browser fails the test with the reason, never skips it. Screenshots go to test-output/<suite>/ in the
 * checkout (FLOODGATE_TEST_OUTPUT overrides), kept after the run.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { projectRoot } from "../../src/util/paths.js";

export const CHROMIUM = process.env["FLOODGATE_CHROMIUM"] ?? "/usr/bin/chromium";

/** Launch Chromium headless; throws saying why when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the console's browser tests drive Debian's Chromium; run scripts/install-deps.sh test (it installs the chromium package)`,
    );
  }
  // Root (CI, the lab machines) cannot use Chromium's sandbox.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
}

/** The directory a suite writes its screenshots to. */
export function testOutputDir(suite: string): string {
  const dir = join(process.env["FLOODGATE_TEST_OUTPUT"] ?? join(projectRoot, "test-output"), suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}
