/**
 * The system user a private service runs as, looked up in /etc/passwd (Node has no getpwnam): a service never runs
 * as root when Floodgate does.
 */
import { readFileSync } from "node:fs";

/** A user's ids. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user called `name` in `passwd` (the file's text), or null when there is none. */
export function findUser(name: string, passwd = readPasswd()): SystemUser | null {
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid))
      return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** The first of `names` that exists. */
export function firstUser(names: readonly string[], passwd = readPasswd()): SystemUser | null {
  for (const name of names) {
    const user = findUser(name, passwd);
    if (user) return user;
  }
  return null;
}

/** The group id of a group name, from /etc/group; null when there is none. */
export function findGroupId(name: string, group = readText("/etc/group")): number | null {
  for (const line of group.split("\n")) {
    const [groupName, , gid] = line.split(":");
    if (groupName === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}

function readPasswd(): string {
  return readText("/etc/passwd");
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
