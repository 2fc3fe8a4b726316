// The console's HTTP side on `floodgate run`: the page loads without a login, everything else needs the session the
// admin token opens, and a request without it, with a wrong token, from another origin or with a rebound Host is
// refused; actions need confirmation and JSON (what a cross-site form cannot send). The browser flows:
// test/e2e/console-browser.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { get as httpGet } from "node:http";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";
import { stopInOrder } from "../support/cleanups.js";

const TOKEN = "console-http-token-0123456789";

/** The status of a GET with the given Host header. */
function statusWithHost(url: string, host: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { host, cookie } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
}

describe("the console's HTTP side", () => {
  let redis: TestRedis;
  let daemon: DaemonProcess;

  before(async () => {
    redis = await startTestRedis();
    daemon = await startDaemonProcess({ redis: { url: redis.url }, metrics: { adminToken: TOKEN } });
  });
  after(() => stopInOrder(daemon, redis));

  test("the page and its assets load, with a content security policy of this origin only", async () => {
    const page = await fetch(`${daemon.metricsUrl}/console/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/console\/assets\/main.js">/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'; script-src 'self'/);
    for (const asset of ["main.js", "console.css", "vendor/uPlot.iife.min.js"]) {
      const r = await fetch(`${daemon.metricsUrl}/console/assets/${asset}`);
      assert.equal(r.status, 200, asset);
      await r.arrayBuffer();
    }
    assert.equal((await fetch(`${daemon.metricsUrl}/console/assets/nothing.js`)).status, 404);
    // Only the built files are served: a path out of the assets directory names none of them.
    assert.equal((await fetch(`${daemon.metricsUrl}/console/assets/%2e%2e/%2e%2e/package.json`)).status, 404);
  });

  test("the console refuses a request without the login, with a wrong token, or from another origin or Host", async () => {
    const base = daemon.metricsUrl;
    const login = (headers: Record<string, string>, token = TOKEN) =>
      fetch(`${base}/console/login`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ token, name: "x" }),
      });

    assert.equal((await fetch(`${base}/console/api/overview`)).status, 401, "no session: refused");
    assert.equal((await fetch(`${base}/console/events`)).status, 401, "no session: no live feed");
    const noCookieAction = await fetch(`${base}/console/api/campaigns/000000000000/action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "block", seconds: 60, confirmed: true }),
    });
    assert.equal(noCookieAction.status, 401, "no session: no action");
    assert.equal((await login({}, "wrong-token-wrong-token")).status, 401, "a wrong token is refused");
    assert.equal((await login({ origin: "http://evil.example" })).status, 403, "a login from another origin");
    assert.equal((await login({ "sec-fetch-site": "cross-site" })).status, 403, "a cross-site login");

    const ok = await login({});
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(";")[0] as string;
    assert.equal((await fetch(`${base}/console/api/overview`, { headers: { cookie: session } })).status, 200);
    const foreign = await fetch(`${base}/console/api/overview`, {
      headers: { cookie: session, origin: "http://evil.example" },
    });
    assert.equal(foreign.status, 403, "a session's cookie from another origin's page is refused");
    // fetch() cannot set Host; node:http can, as a DNS-rebinding page's requests would carry it.
    assert.equal(await statusWithHost(`${base}/console/api/overview`, "evil.example", session), 403, "a rebound Host");
    const unconfirmed = await fetch(`${base}/console/api/campaigns/000000000000/action`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/json" },
      body: JSON.stringify({ action: "block", seconds: 60 }),
    });
    assert.equal(unconfirmed.status, 400, "an action without confirmation is refused");
    const asForm = await fetch(`${base}/console/api/shadow`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
      body: "on=true&confirmed=true",
    });
    assert.equal(asForm.status, 415, "a form post (what a cross-site form sends) is refused");
    const logout = await fetch(`${base}/console/logout`, { method: "POST", headers: { cookie: session } });
    assert.equal(logout.status, 200);
    assert.equal((await fetch(`${base}/console/api/overview`, { headers: { cookie: session } })).status, 401);
  });
});
