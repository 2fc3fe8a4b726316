/**
 * The daemon's side of the hold-queue helper's socket: one connection per request, an answer within `timeoutMs` or
 * an error (the caller then tempfails the copy instead of holding it, or retries the action at the next sweep).
 */
import { connect } from "node:net";
import type { HelperRequest, HelperResponse, IdOutcome } from "./protocol.js";

export interface HoldHelperClient {
  hello(): Promise<{ mta: string; longQueueIds: boolean; recorded: number }>;
  /** Record ids held now; throws when the helper cannot be reached or refuses (full). */
  record(ids: string[]): Promise<Record<string, IdOutcome>>;
  release(ids: string[]): Promise<Record<string, IdOutcome>>;
  /** Delete ids; with `sample`, the first one's text comes back first (base64 decoded). */
  delete(ids: string[], sample: boolean): Promise<{ outcomes: Record<string, IdOutcome>; sample: Buffer | null }>;
}

export function holdHelperClient(socketPath: () => string, timeoutMs: () => number): HoldHelperClient {
  const ask = (request: HelperRequest): Promise<HelperResponse> =>
    new Promise((resolve, reject) => {
      const socket = connect(socketPath());
      let answer = "";
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the hold helper did not answer within ${timeoutMs()} ms`));
      }, timeoutMs());
      socket.setEncoding("utf8");
      socket.on("connect", () => socket.write(JSON.stringify(request) + "\n"));
      socket.on("data", (chunk: string) => {
        answer += chunk;
        const nl = answer.indexOf("\n");
        if (nl < 0) return;
        clearTimeout(timer);
        socket.end();
        try {
          resolve(JSON.parse(answer.slice(0, nl)) as HelperResponse);
        } catch {
          reject(new Error("the hold helper's answer is not JSON"));
        }
      });
      socket.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  const outcomesOf = async (request: HelperRequest) => {
    const response = await ask(request);
    if (!response.ok) throw new Error(`the hold helper refused: ${response.error}`);
    if (!("outcomes" in response)) throw new Error("unexpected answer from the hold helper");
    return response;
  };
  return {
    async hello() {
      const response = await ask({ op: "hello" });
      if (!response.ok || !("mta" in response)) throw new Error("unexpected answer from the hold helper");
      return response;
    },
    record: async (ids) => (await outcomesOf({ op: "record", ids })).outcomes,
    release: async (ids) => (await outcomesOf({ op: "release", ids })).outcomes,
    async delete(ids, sample) {
      const response = await outcomesOf({ op: "delete", ids, sample });
      return { outcomes: response.outcomes, sample: response.sample ? Buffer.from(response.sample, "base64") : null };
    },
  };
}
