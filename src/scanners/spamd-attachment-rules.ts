/**
 * SpamAssassin rules the private spamd adds to the system's (./private-spamd.ts, as `--cf` lines): a program or a
 * script attached. SpamAssassin reads a message's text, and its own check for Windows programs (the AntiVirus plugin)
 * is off by default and scores 0.1. Floodgate needs a scanner to judge what a copy attaches: a campaign whose text was
 * judged ham and whose later copies attach a kind of file no scan of it saw is scanned again (README, "What a ham
 * verdict covers"), and only a scanner that weighs the file can refuse it. A program attached (./program-files.ts) is
 * malware in bulk mail, so the rule scores spam on its own. Archives are not opened (SpamAssassin cannot): ClamAV
 * reads them.
 */
import { PROGRAM_EXTENSIONS } from "./program-files.js";

/** The rule's score: over SpamAssassin's threshold of 5 alone. */
const PROGRAM_ATTACHED_SCORE = 6;
export const PROGRAM_ATTACHED_RULE = "FG_PROGRAM_ATTACHED";

// A name parameter (`filename=`, `name=`, RFC 2231's `filename*=` and `filename*0*=` forms) ending in such an
// extension: the dot may be percent-encoded (RFC 2231), and trailing dots, spaces and quotes are dropped as Windows
// drops them. Only the parameter's last extension counts: `notes.js.txt` is text.
const nameEndingInProgram = (parameter: string) =>
  `/\\b${parameter}\\*?[0-9]*\\*?\\s*=[^;]*(?:\\.|%2e)(?:${PROGRAM_EXTENSIONS.join("|")})[\\s."']*(?:;|$)/i`;

/** The `--cf` lines. */
export const ATTACHMENT_RULES: readonly string[] = [
  "loadplugin Mail::SpamAssassin::Plugin::AntiVirus",
  // A Windows program by its content (base64 of an MZ header), whatever its name says.
  "body __FG_WINDOWS_PROGRAM eval:check_microsoft_executable()",
  `mimeheader __FG_PROGRAM_DISPOSITION Content-Disposition =~ ${nameEndingInProgram("filename")}`,
  `mimeheader __FG_PROGRAM_TYPE Content-Type =~ ${nameEndingInProgram("name")}`,
  `meta ${PROGRAM_ATTACHED_RULE} __FG_WINDOWS_PROGRAM || __FG_PROGRAM_DISPOSITION || __FG_PROGRAM_TYPE`,
  `describe ${PROGRAM_ATTACHED_RULE} A program or a script is attached`,
  `score ${PROGRAM_ATTACHED_RULE} ${PROGRAM_ATTACHED_SCORE}`,
];
