/**
 * The C milter that does the design's least work per message (native/least-work-milter.c: the whole message read, a
 * hand-off to one fingerprint thread, a MinHash of the raw body, one script on Redis), on a private Redis of its own
 * as `floodgate run` starts one (a unix socket in a new folder under the system's temporary one, a password, the
 * append-only file). A benchmark reference: what any implementation of the design pays at least, measured beside the
 * C no-op in the same run.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../config/schema.js";
import { startPrivateRedis, type PrivateRedis } from "../redis/private-server.js";
import { openStateDir } from "../state/state-dir.js";
import { projectRoot } from "../util/paths.js";
import { freePort } from "../util/tcp-port.js";
import { spawnListening } from "./procs.js";
import { target, type MilterTarget } from "./targets.js";

/** Start it with TCP_NODELAY on its sessions (as the C no-op is started) and one fingerprint thread. */
export async function startCLeastWork(): Promise<MilterTarget> {
  const binary = join(projectRoot, "native/build/least-work-milter");
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run make native (needs libmilter-dev)`);
  const stateDir = mkdtempSync(join(tmpdir(), "fg-least-work-"));
  let redis: PrivateRedis | null = null;
  const dropAll = async () => {
    await redis?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    redis = await startPrivateRedis(openStateDir(stateDir), defaultConfig().redis.private);
    const port = await freePort();
    const password = new URL(redis.url).searchParams.get("password") ?? "";
    const child = await spawnListening(binary, ["-n", "-s", redis.socket, `inet:${port}@127.0.0.1`], port, {
      what: "the C milter of the design's least work",
      env: { ...process.env, FG_REDIS_PASSWORD: password },
    });
    // Killed at once, as the C no-op is: libmilter sees a stop only at its listening socket's next poll (5 s).
    const milter = target("c-least-work", port, { ...child, stop: () => child.stop(0) }, dropAll);
    const redisPid = redis.service.process.pid;
    return redisPid === undefined ? milter : { ...milter, redisPid };
  } catch (e) {
    await dropAll();
    throw e;
  }
}
