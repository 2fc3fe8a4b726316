/**
 * The console's page: the login (the admin token, once; the server answers with an HttpOnly session cookie), the
 * navigation between Overview, Campaigns and a campaign (#/overview, #/campaigns, #/campaign/<id>), and the live
 * feed (an EventSource on /console/events that carries the overview and the campaigns each second).
 */
import { CampaignPage } from "./campaign.js";
import { CampaignsPage } from "./campaigns.js";
import { api, ApiError, fill, h } from "./dom.js";
import { OverviewPage } from "./overview.js";
import type { CampaignsData, OverviewData, Row } from "./types.js";

const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const live = document.getElementById("live") as HTMLElement;
const overviewPage = new OverviewPage();
const campaignsPage = new CampaignsPage((id) => (location.hash = `#/campaign/${id}`));
const campaignPage = new CampaignPage();
let holdQueue = false;
let feed: EventSource | null = null;

function loginForm(message = ""): void {
  nav.hidden = true;
  feed?.close();
  const token = h("input", {
    type: "password",
    name: "token",
    id: "token",
    autocomplete: "current-password",
    required: true,
  });
  const name = h("input", { name: "name", id: "operator", placeholder: "your name, for the log", maxlength: "40" });
  const error = h("p", { class: "error", id: "login-error" }, message);
  const form = h(
    "form",
    { class: "login", id: "login" },
    h("h2", {}, "Log in"),
    h("label", {}, "Admin token ", token),
    h("label", {}, "Name ", name),
    h("button", { type: "submit" }, "Log in"),
    error,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    api<{ actor: string }>("/login", { token: token.value, name: name.value }).then(
      (me) => start(me.actor),
      (err: Error) => (error.textContent = err.message),
    );
  });
  fill(main, form);
}

function start(actor: string): void {
  nav.hidden = false;
  (document.getElementById("who") as HTMLElement).textContent = actor;
  connect();
  route();
}

function connect(): void {
  feed?.close();
  feed = new EventSource("/console/events");
  feed.addEventListener("open", () => setLive(true));
  feed.addEventListener("error", () => {
    setLive(false);
    // A closed stream may mean the session ended: ask, and show the login if so.
    api("/api/me").catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) loginForm("the session ended: log in again");
    });
  });
  feed.addEventListener("overview", (e) => {
    const d = JSON.parse((e as MessageEvent<string>).data) as OverviewData;
    holdQueue = d.holdQueue;
    (document.getElementById("shadow-badge") as HTMLElement).hidden = !d.shadow;
    overviewPage.update(d);
  });
  feed.addEventListener("campaigns", (e) => {
    const d = JSON.parse((e as MessageEvent<string>).data) as CampaignsData;
    campaignsPage.update(d.rows, d.error);
  });
}

function setLive(on: boolean): void {
  live.textContent = on ? "live" : "reconnecting";
  live.className = `badge ${on ? "on" : "off"}`;
}

function route(): void {
  const hash = location.hash || "#/overview";
  for (const a of nav.querySelectorAll("a"))
    a.classList.toggle("active", hash.startsWith(a.getAttribute("href") ?? "-"));
  const campaign = /^#\/campaign\/([0-9a-f]{12})$/.exec(hash);
  if (campaign) {
    fill(main, campaignPage.root);
    void campaignPage.show(campaign[1] as string, holdQueue);
  } else if (hash.startsWith("#/campaigns")) fill(main, campaignsPage.root);
  else fill(main, overviewPage.root);
}

window.addEventListener("hashchange", route);
(document.getElementById("logout") as HTMLElement).addEventListener("click", () => {
  void api("/logout", {}).finally(() => loginForm());
});
(document.getElementById("search") as HTMLFormElement).addEventListener("submit", (e) => {
  e.preventDefault();
  const q = ((e.target as HTMLFormElement).elements.namedItem("q") as HTMLInputElement).value.trim();
  if (q === "") {
    campaignsPage.clearSearch();
    return;
  }
  api<{ rows: Row[]; searched: number }>(`/api/search?q=${encodeURIComponent(q)}`).then(
    (found) => {
      campaignsPage.showSearch(q, found.rows, found.searched);
      location.hash = "#/campaigns";
    },
    (err: Error) => alert(err.message),
  );
});

api<{ actor: string }>("/api/me").then(
  (me) => start(me.actor),
  () => loginForm(),
);
