/**
 * Program files attached to mail, by name and by content: what the private spamd's rule (./spamd-attachment-rules.ts)
 * and the built-in rules (./builtin-rules.ts) refuse. Bulk mail that attaches a program is malware: mail providers
 * refuse such files outright, and software is sent as a link. Archives are not opened here (a `clamd` scanner does).
 */
import { openedExtension } from "../util/file-extension.js";

/**
 * Extensions Windows runs, mounts or opens as a program (its own list of unsafe file types, and the disk images and
 * shortcuts malware mail has moved to). Not SVG or HTML: newsletters attach or inline those, and the scanners read
 * them. Not Internet shortcuts (`.url`): people attach a link that way (one ham of the corpus does).
 */
export const PROGRAM_EXTENSIONS: readonly string[] = [
  "ade", "adp", "appx", "appxbundle", "bat", "cab", "chm", "cmd", "com", "cpl", "dll", "exe", "gadget", "hta", "img",
  "inf", "ins", "iso", "isp", "jar", "js", "jse", "lnk", "msc", "msi", "msix", "msp", "mst", "pif", "ps1", "psm1",
  "reg", "scf", "scr", "sct", "shb", "shs", "vb", "vbe", "vbs", "vhd", "vhdx", "wsc", "wsf", "wsh", "xll",
]; // prettier-ignore

const PROGRAM_EXTENSION_SET = new Set(PROGRAM_EXTENSIONS);

/** Whether a file's name ends in a program's extension, as Windows reads it (./util/file-extension.ts). */
export function isProgramName(name: string): boolean {
  const extension = openedExtension(name);
  return extension !== null && PROGRAM_EXTENSION_SET.has(extension);
}

/** Bytes of an MS-DOS header, which every Windows program starts with. */
const DOS_HEADER_BYTES = 64;

/** Whether a file's content is a Windows program, whatever its name says: an MS-DOS header (`MZ`, 64 bytes). */
export function isWindowsProgram(content: Uint8Array): boolean {
  return content.byteLength >= DOS_HEADER_BYTES && content[0] === 0x4d && content[1] === 0x5a;
}
