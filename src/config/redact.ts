/**
 * Secrets out of printed configurations: the password in Redis URLs (every form), the admin token, the path and query
 * of webhook URLs (where Slack-like services put their token), webhook headers, scanner passwords.
 */
import type { Config } from "./schema.js";
import { REDACTED, redactUrl } from "../util/redact-url.js";

/** A webhook URL reduced to scheme, host and port: its path and query often are the credential. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.pathname !== "/" || u.search !== "" || u.username !== "" || u.password !== "";
    return `${u.protocol}//${u.host}${hidden ? `/${REDACTED}` : "/"}`;
  } catch {
    return REDACTED;
  }
}

/** A deep copy of `config` that is safe to print or log. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.redis.url) copy.redis.url = redactUrl(copy.redis.url);
  if (copy.metrics.adminToken !== null) copy.metrics.adminToken = REDACTED;
  copy.alerts.webhooks = copy.alerts.webhooks.map((w) => ({
    ...w,
    url: redactWebhookUrl(w.url),
    headers: Object.fromEntries(Object.keys(w.headers).map((k) => [k, REDACTED])),
  }));
  copy.scanWorker.scanners = copy.scanWorker.scanners.map((s) => {
    if (s.type === "rspamd") return { ...s, url: redactUrl(s.url), password: s.password === null ? null : REDACTED };
    return s;
  });
  return copy;
}
