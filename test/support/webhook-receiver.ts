/**
 * Test support: a local HTTP receiver for alert webhooks that records every JSON body it gets.
 */
import { createServer, type Server } from "node:http";
import { once } from "node:events";

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  readonly bodies: unknown[];
  /** Fail the next `n` requests with 503 (to exercise retries). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Start a receiver on `port` (a free one by default; the same port again brings a stopped receiver back). */
export async function startWebhookReceiver(
  options: { port?: number; bodies?: unknown[] } = {},
): Promise<WebhookReceiver> {
  const bodies: unknown[] = options.bodies ?? [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        res.writeHead(503).end();
        return;
      }
      try {
        bodies.push(JSON.parse(text));
      } catch {
        bodies.push(text);
      }
      res.writeHead(200).end("ok");
    });
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    port,
    bodies,
    failNext: (n) => (failures = n),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
