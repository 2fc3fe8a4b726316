/**
 * The private Postfix's configuration (real-mta-lab.md): main.cf with its own queue and data directories,
 * `maillog_file`, smtpd on one loopback port, `box.lab` delivered by virtual(8) to one Maildir per user and everything
 * else relayed to an smtp-sink; the milter lines from the snippet users install (deploy/postfix/main.cf.snippet);
 * master.cf with every chroot column off.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../util/paths.js";

/** The Postfix milter snippet shipped to users (deploy/). */
export const POSTFIX_SNIPPET = join(projectRoot, "deploy/postfix/main.cf.snippet");

/** The test domain delivered to Maildirs under `maildir`. */
export const LAB_DOMAIN = "box.lab";

/** Users of box.lab that always have a Maildir. */
export const DEFAULT_USERS = ["alice", "bob", "carol", "dave", "erin", "reject-rcpt"];

/** The uid and gid virtual(8) delivers as. */
export const NOBODY = 65534;

export interface PostfixOptions {
  /** The `smtpd_milters` address, as Postfix spells it: `inet:127.0.0.1:PORT` or `unix:/path`. */
  milter: string;
  /** `milter_default_action`. @defaultValue "tempfail" */
  defaultAction?: "tempfail" | "accept";
  /** Milter timeouts in seconds (Postfix's connect_timeout, command_timeout, content_timeout). */
  timeouts?: { connect?: number; command?: number; content?: number };
  /** Users of box.lab besides `DEFAULT_USERS`; mail to others is refused by smtpd (user unknown). */
  users?: string[];
  /** More main.cf lines, applied last (they win). */
  extraMain?: Record<string, string>;
}

/** Where one lab instance keeps its files. */
export interface PostfixLayout {
  dir: string;
  etc: string;
  spool: string;
  data: string;
  maildir: string;
  maillogPath: string;
}

/** Write main.cf, master.cf and the Maildir map of the lab instance. */
export function writeLabConfig(
  layout: PostfixLayout,
  smtpPort: number,
  sinkPort: number,
  options: PostfixOptions,
): void {
  const { dir, etc, spool, data, maildir, maillogPath } = layout;
  const main: string[] = [
    "compatibility_level = 3.6",
    `queue_directory = ${spool}`,
    `data_directory = ${data}`,
    "command_directory = /usr/sbin",
    "daemon_directory = /usr/lib/postfix/sbin",
    "meta_directory = /etc/postfix",
    "shlib_directory = /usr/lib/postfix",
    "mail_owner = postfix",
    "setgid_group = postdrop",
    "syslog_name = postfix-lab",
    `maillog_file = ${maillogPath}`,
    `maillog_file_prefixes = /var, /dev/stdout, ${dir}`,
    "myhostname = mta.lab.local",
    "mydomain = lab.local",
    "myorigin = lab.local",
    "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4",
    "mynetworks = 127.0.0.0/8",
    "mydestination =",
    "alias_maps =",
    "alias_database =",
    "local_recipient_maps =",
    "smtpd_tls_security_level = none",
    "smtp_tls_security_level = none",
    "smtpd_banner = $myhostname ESMTP lab",
    "biff = no",
    "message_size_limit = 52428800",
    `virtual_mailbox_domains = ${LAB_DOMAIN}`,
    `virtual_mailbox_base = ${maildir}`,
    `virtual_mailbox_maps = texthash:${join(etc, "vmailbox")}`,
    `virtual_uid_maps = static:${NOBODY}`,
    `virtual_gid_maps = static:${NOBODY}`,
    "virtual_minimum_uid = 100",
    `default_transport = smtp:[127.0.0.1]:${sinkPort}`,
    `relay_transport = smtp:[127.0.0.1]:${sinkPort}`,
    "relayhost =",
    "smtp_host_lookup = native",
    "disable_dns_lookups = yes",
    "delay_warning_time = 0",
    "maximal_queue_lifetime = 1h",
    "bounce_queue_lifetime = 1h",
    "virtual_mailbox_limit = 0",
    "queue_run_delay = 5s",
    "minimal_backoff_time = 5s",
    "maximal_backoff_time = 10s",
    ...milterLines(options),
    ...Object.entries(options.extraMain ?? {}).map(([k, v]) => `${k} = ${v}`),
  ];
  writeFileSync(join(etc, "main.cf"), mergeMainCf(main));
  writeFileSync(join(etc, "master.cf"), masterCf(smtpPort));
  // One Maildir per user of box.lab: user@box.lab -> maildir/user/ (the trailing slash means Maildir). virtual(8)
  // refuses $1 substitution from regexp tables, so the users are listed.
  const users = [...new Set([...DEFAULT_USERS, ...(options.users ?? [])])];
  writeFileSync(join(etc, "vmailbox"), users.map((u) => `${u}@${LAB_DOMAIN} ${u}/`).join("\n") + "\n");
}

/** The snippet users install, with the lab's milter, default action and timeouts. */
export function milterLines(options: PostfixOptions): string[] {
  if (!existsSync(POSTFIX_SNIPPET)) throw new Error(`${POSTFIX_SNIPPET} is missing`);
  const defaultAction = options.defaultAction ?? "tempfail";
  let text = readFileSync(POSTFIX_SNIPPET, "utf8").replaceAll("@MILTER@", options.milter);
  text = text.replaceAll("@DEFAULT_ACTION@", defaultAction);
  const t = options.timeouts ?? {};
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
  const out = lines.map((line) => {
    let l = line;
    if (t.connect !== undefined) l = l.replace(/\bconnect_timeout=[^,}\s]+/, `connect_timeout=${t.connect}s`);
    if (t.command !== undefined) l = l.replace(/\bcommand_timeout=[^,}\s]+/, `command_timeout=${t.command}s`);
    if (t.content !== undefined) l = l.replace(/\bcontent_timeout=[^,}\s]+/, `content_timeout=${t.content}s`);
    return l;
  });
  // The global timeouts too, for a snippet without per-milter settings (later lines win in main.cf).
  if (t.connect !== undefined) out.push(`milter_connect_timeout = ${t.connect}s`);
  if (t.command !== undefined) out.push(`milter_command_timeout = ${t.command}s`);
  if (t.content !== undefined) out.push(`milter_content_timeout = ${t.content}s`);
  out.push(`milter_default_action = ${defaultAction}`, "milter_protocol = 6");
  return out;
}

/** main.cf text from `name = value` lines where a later line replaces an earlier one (no "overriding" warnings). */
function mergeMainCf(lines: readonly string[]): string {
  const params = new Map<string, string>();
  let last: string | undefined;
  for (const line of lines) {
    if (/^\s/.test(line) && last !== undefined) {
      params.set(last, `${params.get(last)}\n${line}`);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`not a main.cf parameter line: ${line}`);
    last = line.slice(0, eq).trim();
    params.set(last, line.slice(eq + 1).trim());
  }
  return [...params].map(([k, v]) => `${k} = ${v}`).join("\n") + "\n";
}

/** master.cf with smtpd on 127.0.0.1:port and every chroot column off (real-mta-lab.md). */
function masterCf(smtpPort: number): string {
  const services: [string, string, string, string, string, string, string, string?][] = [
    [`127.0.0.1:${smtpPort}`, "inet", "n", "-", "n", "-", "-", "smtpd"],
    ["pickup", "unix", "n", "-", "n", "60", "1", "pickup"],
    ["cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"],
    ["qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"],
    ["tlsmgr", "unix", "-", "-", "n", "1000?", "1", "tlsmgr"],
    ["rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"],
    ["bounce", "unix", "-", "-", "n", "-", "0", "bounce"],
    ["defer", "unix", "-", "-", "n", "-", "0", "bounce"],
    ["trace", "unix", "-", "-", "n", "-", "0", "bounce"],
    ["verify", "unix", "-", "-", "n", "-", "1", "verify"],
    ["flush", "unix", "n", "-", "n", "1000?", "0", "flush"],
    ["proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"],
    ["proxywrite", "unix", "-", "-", "n", "-", "1", "proxymap"],
    ["smtp", "unix", "-", "-", "n", "-", "-", "smtp"],
    ["relay", "unix", "-", "-", "n", "-", "-", "smtp"],
    ["showq", "unix", "n", "-", "n", "-", "-", "showq"],
    ["error", "unix", "-", "-", "n", "-", "-", "error"],
    ["retry", "unix", "-", "-", "n", "-", "-", "error"],
    ["discard", "unix", "-", "-", "n", "-", "-", "discard"],
    ["local", "unix", "-", "n", "n", "-", "-", "local"],
    ["virtual", "unix", "-", "n", "n", "-", "-", "virtual"],
    ["lmtp", "unix", "-", "-", "n", "-", "-", "lmtp"],
    ["anvil", "unix", "-", "-", "n", "-", "1", "anvil"],
    ["scache", "unix", "-", "-", "n", "-", "1", "scache"],
    ["postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd"],
  ];
  return services.map((s) => s.join("  ")).join("\n") + "\n";
}
