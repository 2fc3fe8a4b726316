/**
 * Secrets out of URLs before they are printed or logged, in every form a Redis or webhook URL carries one: the
 * password of the user-info part (`redis://:pw@host`, `redis://user:pw@host`), and query parameters that name a
 * credential (`unix:///run/redis.sock?password=pw`, `?token=`, `?auth=`, `?secret=`, `?key=`).
 */

/** What replaces a secret. */
export const REDACTED = "[redacted]";

/** Query parameter names that hold a credential. */
const SECRET_PARAM = /pass|token|secret|key|auth|credential/i;

/** A URL with its password and credential parameters hidden; the rest kept. Not a URL: the same rules by pattern. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactByPattern(url);
  }
  if (u.password) u.password = "REDACTED-PASSWORD";
  for (const key of new Set(u.searchParams.keys())) {
    if (SECRET_PARAM.test(key)) u.searchParams.set(key, "REDACTED-PARAM");
  }
  return u.toString().replaceAll("REDACTED-PASSWORD", REDACTED).replaceAll("REDACTED-PARAM", REDACTED);
}

/** The same rules applied by pattern, for text that does not parse as a URL. */
function redactByPattern(text: string): string {
  return text
    .replace(/(\/\/[^:@/\s]*):[^@/\s]*@/g, `$1:${REDACTED}@`)
    .replace(/([?&;])([^=&#;?\s]+)=([^&#;\s]*)/g, (whole, sep: string, key: string) =>
      SECRET_PARAM.test(key) ? `${sep}${key}=${REDACTED}` : whole,
    );
}

/** Every URL inside a free text (an error message) redacted. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}
