/**
 * A campaign's page: what it is (state, counts, verdict, decision, what a ham verdict covers), its actions, the
 * sample message's visible text with the hidden parts marked, its subjects, link domains, attachment digests, sender
 * domains and client networks, its timeline (who did what) and its copies per minute.
 */
import { actionButtons } from "./actions.js";
import { api, fill, h, time } from "./dom.js";
import type { BoundedList, DetailData } from "./types.js";

/** What the server writes around hidden text (src/fingerprint/html-text-builder.ts). */
const HIDDEN_OPEN = "⟦";
const HIDDEN_CLOSE = "⟧";

export class CampaignPage {
  readonly root = h("section", { id: "campaign" });
  readonly #status = h("span", { id: "action-status" });
  #id = "";
  #chart: UPlot | null = null;

  async show(id: string, holdQueue: boolean): Promise<void> {
    this.#id = id;
    fill(this.root, h("p", { class: "muted" }, `loading ${id}…`));
    await this.refresh(holdQueue);
  }

  async refresh(holdQueue: boolean): Promise<void> {
    const id = this.#id;
    let d: DetailData;
    try {
      d = await api<DetailData>(`/api/campaigns/${id}`);
    } catch (err) {
      fill(this.root, h("p", { class: "error" }, (err as Error).message));
      return;
    }
    if (id !== this.#id) return;
    const c = d.campaign;
    this.#chart?.destroy();
    this.#chart = null;
    const chartBox = h("div", { id: "campaign-chart" });
    fill(
      this.root,
      h(
        "h2",
        {},
        "Campaign ",
        h("code", {}, c.id),
        " ",
        h("span", { class: `state-${c.state}`, id: "campaign-state" }, c.state),
      ),
      h("p", {}, h("strong", {}, c.subject)),
      facts(d),
      actionButtons(c.id, holdQueue, this.#status, () => void this.refresh(holdQueue)),
      this.#status,
      cover(d),
      h("h3", {}, "Sample message"),
      sample(d),
      h(
        "div",
        { class: "lists" },
        list("Subjects", d.samples.subjects),
        list("Link domains", d.samples.linkDomains),
        list("Attachment digests", d.samples.attachments),
        list("Sender domains", d.samples.senderDomains),
        list("Client networks", d.samples.clientNetworks),
      ),
      h("h3", {}, "Copies per minute (since this console started watching it)"),
      chartBox,
      h("h3", {}, "Timeline"),
      timeline(d),
    );
    const minute = Math.floor(Date.now() / 60_000);
    const xs = d.spark.map((_, i) => (minute - d.spark.length + 1 + i) * 60);
    this.#chart = new uPlot(
      { width: 700, height: 160, series: [{}, { label: "copies", stroke: "#2b6cb0", width: 1.5 }] },
      [xs, d.spark] as UPlotData,
      chartBox,
    );
  }

  get id(): string {
    return this.#id;
  }
}

function facts(d: DetailData): HTMLElement {
  const c = d.campaign;
  const v = c.verdict;
  const rows: [string, string][] = [
    ["Copies in the window", `${c.copies} (ever ${c.totalCopies})`],
    ["Distinct recipients, senders, client IPs", `${c.recipients}, ${c.senders}, ${c.clientIps}`],
    ["First seen, last seen", `${time(c.firstSeen)}, ${time(c.lastSeen)}`],
    ["Bulk since", c.bulkSince ? time(c.bulkSince) : "not bulk"],
    [
      "Verdict",
      v
        ? `${v.verdict} by ${v.scanner}, score ${v.score}${v.threshold === null ? "" : ` of ${v.threshold}`}${v.rules.length ? ` (${v.rules.join(", ")})` : ""}`
        : "none yet",
    ],
    [
      "Decision",
      c.decision
        ? `${c.decision.label} (${c.decision.how}) by ${c.decision.by}${c.decision.why ? `: ${c.decision.why}` : ""}`
        : "none",
    ],
    ["Blocked until", c.blockedUntil ? time(c.blockedUntil) : "not blocked"],
    ["Users' reports", `spam ${c.reports.spam}, ham ${c.reports.ham}`],
    ["Held copies", d.held === null ? "no hold queue" : String(d.held)],
  ];
  return h("table", { class: "facts" }, ...rows.map(([k, val]) => h("tr", {}, h("th", {}, k), h("td", {}, val))));
}

/** What a ham verdict covers: the entries its scans covered and those refused, each set as text as it came (the
 * entries are what senders linked to, and not only domains); nothing unless the campaign is ham. */
function cover(d: DetailData): HTMLElement | null {
  const c = d.cover;
  if (!c) return null;
  const title = h("h3", {}, "What the ham verdict covers");
  if (!c.covered)
    return h(
      "div",
      { id: "verdict-cover" },
      title,
      h(
        "p",
        { id: "verdict-covers-all" },
        "Every copy, whatever it links to or attaches: a person's decision, a verdict recorded without links, " +
          "or the rule off (queue.rescanNewLinksSeconds 0).",
      ),
    );
  return h(
    "div",
    { id: "verdict-cover" },
    title,
    h(
      "div",
      { class: "lists" },
      bounded("Covered: a copy linking to and attaching only these passes as ham", "verdict-covered", c.covered),
      bounded("Refused: a copy linking to or attaching one of these is rejected", "verdict-refused", c.refused),
    ),
  );
}

/** A list of at most the entries the server sent, and how many it left out. */
function bounded(title: string, id: string, items: BoundedList): HTMLElement {
  const more = items.more > 0 ? h("li", { class: "muted" }, `and ${items.more} more`) : null;
  return h(
    "div",
    { id },
    h("h4", {}, title),
    items.shown.length
      ? h("ul", {}, ...items.shown.map((i) => h("li", {}, i)), more)
      : h("p", { class: "muted" }, "none"),
  );
}

/** The sample's text, hidden parts in <mark class="hidden">, built as text nodes only. */
function sample(d: DetailData): HTMLElement {
  const m = d.samples.message;
  if (!m)
    return h(
      "p",
      { class: "muted" },
      d.samples.messageError ?? "no sample kept (samples are off, expired, or none was taken yet)",
    );
  const box = h("div", { class: "sample", id: "sample-text" });
  let rest = m.text;
  while (rest.length > 0) {
    const open = rest.indexOf(HIDDEN_OPEN);
    if (open < 0) {
      box.append(rest);
      break;
    }
    box.append(rest.slice(0, open));
    const close = rest.indexOf(HIDDEN_CLOSE, open + 1);
    const hidden = rest.slice(open + 1, close < 0 ? rest.length : close);
    box.append(h("mark", { class: "hidden", title: "hidden from the reader" }, hidden));
    rest = close < 0 ? "" : rest.slice(close + 1);
  }
  const attachments = m.attachments.map((a) => `${a.filename || "(no name)"} ${a.contentType} ${a.size} B`);
  return h(
    "div",
    {},
    h(
      "p",
      { class: "muted" },
      `From ${m.from} · ${m.date ?? "no date"} · taken ${time(d.samples.messageAt)} · text from ${m.source}; `,
      h("mark", { class: "hidden" }, "marked"),
      " text is hidden from the reader",
    ),
    box,
    attachments.length ? list("Attachments of the sample", attachments) : null,
  );
}

function list(title: string, items: string[]): HTMLElement {
  return h(
    "div",
    {},
    h("h4", {}, title),
    items.length ? h("ul", {}, ...items.map((i) => h("li", {}, i))) : h("p", { class: "muted" }, "none kept"),
  );
}

function timeline(d: DetailData): HTMLElement {
  return h(
    "table",
    { id: "timeline" },
    h("tr", {}, h("th", {}, "When"), h("th", {}, "What"), h("th", {}, "Who"), h("th", {}, "Detail")),
    ...d.timeline.map((t) =>
      h("tr", {}, h("td", {}, time(t.at)), h("td", {}, t.what), h("td", {}, t.by), h("td", {}, t.detail)),
    ),
  );
}
