/**
 * rspamd's normal worker over HTTP: `POST /checkv2` with the message as the body, answered by JSON with
 * `action`, `score` and `required_score` (rspamd protocol documentation).
 */
import { MAX_SCAN_RULES, ScannerError, scanDeadline, type ScanResult, type Scanner } from "./types.js";

/** The actions that mean spam; "no action", "greylist" and "soft reject" do not. */
export const RSPAMD_SPAM_ACTIONS: ReadonlySet<string> = new Set(["reject", "add header", "rewrite subject"]);

export interface RspamdOptions {
  url: string;
  timeoutMs: number;
  password: string | null;
  /** The controller (learning); null: the normal worker's host on port 11334. */
  controllerUrl?: string | null;
}

/** The controller's URL of an rspamd whose normal worker is `options.url`. */
export function rspamdControllerUrl(options: RspamdOptions): string {
  if (options.controllerUrl) return options.controllerUrl;
  const url = new URL(options.url);
  url.port = "11334";
  return url.toString();
}

/** The request `fetch` sends for one message. */
export function rspamdRequest(options: RspamdOptions, message: Buffer): { url: string; init: RequestInit } {
  const headers: Record<string, string> = { "Content-Type": "message/rfc822" };
  if (options.password !== null) headers["Password"] = options.password;
  const url = new URL("/checkv2", options.url).toString();
  return { url, init: { method: "POST", headers, body: message } };
}

/** Read rspamd's JSON reply; throws `ScannerError` ("protocol") when it carries an error or lacks the fields. */
export function parseRspamdReply(json: unknown, scanner = "rspamd"): ScanResult {
  if (typeof json !== "object" || json === null)
    throw new ScannerError(scanner, "protocol", "the reply is not an object");
  const reply = json as Record<string, unknown>;
  if (typeof reply["error"] === "string") throw new ScannerError(scanner, "protocol", `rspamd: ${reply["error"]}`);
  const { action, score, required_score: required } = reply;
  if (typeof action !== "string" || typeof score !== "number") {
    throw new ScannerError(scanner, "protocol", "the reply lacks action or score");
  }
  const spam = RSPAMD_SPAM_ACTIONS.has(action) || (typeof required === "number" && score >= required);
  return {
    verdict: spam ? "spam" : "ham",
    score,
    threshold: typeof required === "number" ? required : null,
    rules: topSymbols(reply["symbols"]),
    details: action,
  };
}

/** The symbols of a reply that weighed most, highest score first. */
function topSymbols(symbols: unknown): string[] {
  if (typeof symbols !== "object" || symbols === null) return [];
  const scored = Object.entries(symbols as Record<string, unknown>).map(([name, value]) => {
    const score = (value as { score?: unknown } | null)?.score;
    return { name, score: typeof score === "number" ? score : 0 };
  });
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_SCAN_RULES)
    .map((s) => s.name);
}

/** A scanner that asks rspamd. */
export function createRspamdScanner(options: RspamdOptions): Scanner {
  const name = "rspamd";
  return {
    name,
    saysHam: true,
    async scan(message, signal) {
      const deadline = scanDeadline(name, options.timeoutMs, signal);
      const { url, init } = rspamdRequest(options, message);
      let response: Response;
      let json: unknown;
      try {
        response = await fetch(url, { ...init, signal: deadline.signal });
        if (!response.ok) {
          throw new ScannerError(name, "protocol", `HTTP ${response.status} ${response.statusText}`);
        }
        json = await response.json();
      } catch (err) {
        if (err instanceof ScannerError) throw err;
        if (deadline.signal.aborted) throw deadline.failure();
        if (err instanceof SyntaxError)
          throw new ScannerError(name, "protocol", "the reply is not JSON", { cause: err });
        throw new ScannerError(name, "unavailable", `${url}: ${(err as Error).message}`, { cause: err });
      }
      return parseRspamdReply(json, name);
    },
    async learn(message, as, _forgetting, signal) {
      // rspamd has no "forget": a report taken back is left to the next reports.
      if (as === "forget") return;
      const deadline = scanDeadline(name, options.timeoutMs, signal);
      const url = new URL(as === "spam" ? "/learnspam" : "/learnham", rspamdControllerUrl(options)).toString();
      const headers: Record<string, string> = { "Content-Type": "message/rfc822" };
      if (options.password !== null) headers["Password"] = options.password;
      let response: Response;
      try {
        response = await fetch(url, { method: "POST", headers, body: message, signal: deadline.signal });
      } catch (err) {
        if (deadline.signal.aborted) throw deadline.failure();
        throw new ScannerError(name, "unavailable", `${url}: ${(err as Error).message}`, { cause: err });
      }
      // 208: already learned; the classifier has it either way.
      if (!response.ok && response.status !== 208)
        throw new ScannerError(name, "protocol", `learning: HTTP ${response.status} ${response.statusText}`);
    },
  };
}
