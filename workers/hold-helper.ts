/**
 * The hold-queue helper process entry (src/mta-hold/helper-server.ts), run as root by its own systemd unit on each MTA
 * host: `node dist/workers/hold-helper.js --socket /run/floodgate-hold/helper.sock --group floodgate --mta postfix
 * [--postfix-config DIR] [--records DIR]`, or for Sendmail `--mta sendmail --queue-dir DIR [--sendmail-command WORD]... (the sendmail command and its -C, word by word)`.
 * Logs JSON to stderr; exits 2 on bad arguments or when Postfix may reuse queue ids, 0 after SIGTERM.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { startHoldHelper } from "../src/mta-hold/helper-server.js";
import { postfixQueue } from "../src/mta-hold/postfix-queue.js";
import { sendmailQueue } from "../src/mta-hold/sendmail-queue.js";
import { createLogger } from "../src/util/logger.js";

const USAGE =
  "usage: hold-helper --socket PATH [--group NAME] [--records DIR] [--max-recorded N]\n" +
  "         (--mta postfix [--postfix-config DIR] | --mta sendmail --queue-dir DIR [--sendmail-command WORD]... (the sendmail command and its -C, word by word))";

function gidOf(group: string): number {
  const line = execFileSync("getent", ["group", group], { encoding: "utf8" });
  const gid = Number(line.split(":")[2]);
  if (!Number.isInteger(gid)) throw new Error(`no group ${group}`);
  return gid;
}

async function main(): Promise<number> {
  const logger = createLogger(process.env["FLOODGATE_LOG_LEVEL"] ?? "info", "floodgate-hold-helper");
  let values;
  try {
    values = parseArgs({
      options: {
        socket: { type: "string", default: "/run/floodgate-hold/helper.sock" },
        group: { type: "string" },
        records: { type: "string", default: "/var/lib/floodgate-hold/recorded" },
        "max-recorded": { type: "string", default: "100000" },
        mta: { type: "string", default: "postfix" },
        "postfix-config": { type: "string" },
        "queue-dir": { type: "string" },
        "sendmail-command": { type: "string", multiple: true },
      },
    }).values;
    if (values.mta !== "postfix" && values.mta !== "sendmail") throw new Error("--mta is postfix or sendmail");
    if (values.mta === "sendmail" && !values["queue-dir"]) throw new Error("--mta sendmail needs --queue-dir");
  } catch (error) {
    process.stderr.write(`hold-helper: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const queue =
    values.mta === "postfix"
      ? postfixQueue({ configDir: values["postfix-config"] ?? null })
      : sendmailQueue({
          queueDir: values["queue-dir"] as string,
          command: values["sendmail-command"]?.length ? values["sendmail-command"] : ["/usr/sbin/sendmail"],
        });
  let helper;
  try {
    helper = await startHoldHelper({
      socket: values.socket,
      recordDir: values.records,
      maxRecorded: Number(values["max-recorded"]),
      queue,
      logger,
      ...(values.group ? { socketGid: gidOf(values.group) } : {}),
    });
  } catch (error) {
    logger.error({ err: (error as Error).message }, "hold helper cannot start");
    return 2;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await helper.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    process.stderr.write(`hold-helper: ${String(error)}\n`);
    process.exit(1);
  },
);
