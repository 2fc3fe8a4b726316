/**
 * The TypeScript engine's listeners: TCP (v4, v6) and unix sockets, several at once. A session limit refuses new connections at
 * accept and never disturbs the sessions already open; idle sessions are closed; TCP keepalive reaps dead peers;
 * TCP_NODELAY avoids the 40 ms Nagle trap (real-mta-lab.md); shutdown stops accepting at once, lets the sessions open
 * go on for the grace and then closes what is left.
 */
import { chmodSync, existsSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { formatListenTarget, parseListenSpec, type ListenTarget } from "../../milter/listen-spec.js";
import type { MilterServer, MilterServerOptions } from "../engine.js";
import { IdleSweep, type IdleConnection } from "./idle-sweep.js";
import { MilterSession } from "./protocol-session.js";
import { LiveList } from "../../util/live-list.js";

/** Start the TypeScript engine on every listen spec. */
export async function startMilterServer(options: MilterServerOptions): Promise<MilterServer> {
  const sockets = new LiveList<Socket>();
  const servers: Server[] = [];
  const addresses: string[] = [];
  const unixPaths: string[] = [];
  const { logger, observer = {} } = options;
  const idle = new IdleSweep(() => options.settings().idleTimeoutMs);

  const onConnection = (socket: Socket) => {
    const settings = options.settings();
    if (sockets.size >= settings.maxSessions) {
      observer.sessionRefused?.();
      logger.warn({ limit: settings.maxSessions }, "session limit reached; refusing a connection");
      socket.destroy();
      return;
    }
    const entry = sockets.add(socket);
    observer.sessionOpened?.();
    // TCP_NODELAY is set by the listener (noDelay below) as it accepts; keepalive here, as the settings say now.
    if (settings.keepAliveMs > 0) socket.setKeepAlive(true, settings.keepAliveMs);
    serve(socket, options, idle, () => sockets.remove(entry));
  };

  try {
    for (const spec of options.listen) {
      const target = parseListenSpec(spec);
      const server = createServer({ noDelay: true }, onConnection);
      server.on("error", (err) => logger.error({ err: err.message, listen: spec }, "milter listener error"));
      servers.push(server);
      addresses.push(await listen(server, target, options.settings().socketMode));
      if (target.kind === "unix") unixPaths.push(target.path);
    }
  } catch (error) {
    for (const s of servers) s.close();
    throw error;
  }
  logger.info({ listen: addresses }, "milter listening");

  return {
    addresses,
    sessionCount: () => sockets.size,
    async close(graceMs = 30_000) {
      // Stop accepting now. Node calls server.close back only once every connection has ended, so that wait comes
      // last: awaited first, an MTA's open session held the stop until the MTA quit, whatever the grace.
      const listenersClosed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const path of unixPaths) if (existsSync(path)) unlinkSync(path);
      // The sessions open go on for the grace (a message in flight gets its answer, the MTA may quit or send more).
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Then what is left is closed, between messages or inside one, with no answer: the session core has answered
      // every end of message within milter.eomDeadlineMs, so a session still inside a message is one whose MTA is
      // still sending it, and no response is owed (an unasked one would desync the stream; SMFIR_SHUTDOWN is
      // Postfix-only, milter-protocol.md §1.4). The MTA then applies its own default for a milter that went away
      // (Postfix milter_default_action, Sendmail's F= flags, §1.10), as after a restart; the libmilter engine does so:
      // libmilter abandons the sessions still open when it stops, and the exit of `floodgate run` closes them.
      const closed = [...sockets].map((socket) => new Promise((resolve) => socket.once("close", resolve)));
      for (const socket of sockets) socket.destroy();
      idle.stop();
      // Each session's close handler has run (the session ended, the policy told) when the stop resolves.
      await Promise.all([...closed, listenersClosed]);
    },
  };
}

/** One accepted connection: its session, fed what the socket reads, closed when idle, forgotten when closed. */
function serve(socket: Socket, options: MilterServerOptions, idle: IdleSweep, forget: () => void): void {
  const { logger, observer = {} } = options;
  const opened = performance.now();
  const connection: IdleConnection = {
    lastActive: opened,
    openedAt: opened,
    negotiated: false,
    closeIdle: (reason) => {
      if (reason === "idle") logger.info({ session: session.id }, "idle milter session closed");
      else
        logger.warn(
          { session: session.id, peer: socket.remoteAddress },
          "milter session not negotiated in time; closed",
        );
      socket.destroy();
    },
  };
  const session = new MilterSession(
    options.policy,
    options.settings,
    {
      write: (data) => {
        if (socket.destroyed) return;
        connection.lastActive = performance.now();
        // The session's first write is its answer to option negotiation: nothing is written before it.
        connection.negotiated = true;
        socket.write(data);
      },
      // After QUIT nothing is left to say: a socket with nothing left to write is closed at once, without a
      // shutdown and a wait for the peer's end (the MTA closes its side after QUIT in any case).
      close: (error) => (error || socket.writableLength === 0 ? socket.destroy() : socket.end()),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    },
    logger,
    observer,
  );
  const watched = idle.add(connection);
  socket.on("data", (data: Buffer) => {
    connection.lastActive = performance.now();
    session.receive(data);
  });
  socket.on("error", (err) => logger.debug({ session: session.id, err: err.message }, "milter socket error"));
  socket.on("close", () => {
    forget();
    idle.delete(watched);
    session.end();
    observer.sessionClosed?.();
  });
}

async function listen(server: Server, target: ListenTarget, socketMode: string): Promise<string> {
  if (target.kind === "unix") {
    if (existsSync(target.path) && lstatSync(target.path).isSocket()) unlinkSync(target.path);
    server.listen(target.path);
    await Promise.race([once(server, "listening"), once(server, "error").then(([e]) => Promise.reject(e as Error))]);
    chmodSync(target.path, parseInt(socketMode, 8));
    return formatListenTarget(target);
  }
  server.listen({ host: target.host, port: target.port });
  await Promise.race([once(server, "listening"), once(server, "error").then(([e]) => Promise.reject(e as Error))]);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : target.port;
  return formatListenTarget({ ...target, port });
}
