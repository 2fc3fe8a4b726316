/**
 * The Campaigns page: the live table of the busiest campaigns (as many as the server shows, at most a few hundred),
 * sortable by any column and filterable by text and state within what is shown; a row opens the campaign, its Block
 * button blocks it after confirmation. A search by id or subject (the server's, off the mail path) replaces the live
 * rows until it is cleared.
 */
import { act } from "./actions.js";
import { fill, h, sparkline, time } from "./dom.js";
import type { Row } from "./types.js";

type Key = keyof Row | "verdictScore";

const COLUMNS: [Key, string, boolean][] = [
  ["state", "State", false],
  ["id", "Campaign", false],
  ["subject", "Subject", false],
  ["copies", "Copies", true],
  ["growth", "Growth /min", true],
  ["recipients", "Recipients", true],
  ["senders", "Senders", true],
  ["clientIps", "Client IPs", true],
  ["firstSeen", "First seen", true],
  ["lastSeen", "Last seen", true],
  ["verdictScore", "Verdict", true],
  ["spark", "Copies per minute", false],
];

export class CampaignsPage {
  readonly root = h("section", { id: "campaigns" });
  readonly #filter = h("input", {
    type: "search",
    id: "filter",
    placeholder: "Filter shown rows",
    "aria-label": "Filter",
  });
  readonly #state = h("select", { id: "state-filter", "aria-label": "State" });
  readonly #table = h("table", { id: "campaign-table" });
  readonly #status = h("p", { class: "muted" });
  readonly #note = h("span", { class: "muted" });
  #rows: Row[] = [];
  #search: { query: string; rows: Row[]; searched: number } | null = null;
  #sort: { key: Key; desc: boolean } = { key: "copies", desc: true };

  constructor(private readonly open: (id: string) => void) {
    for (const s of ["", "new", "bulk", "spam", "ham", "blocked"])
      this.#state.append(h("option", { value: s }, s || "any state"));
    this.#filter.addEventListener("input", () => this.#draw());
    this.#state.addEventListener("change", () => this.#draw());
    this.root.append(
      h("h2", {}, "Campaigns"),
      h("div", { class: "tools" }, this.#filter, this.#state, this.#note),
      this.#table,
      this.#status,
    );
  }

  update(rows: Row[], error?: string | null): void {
    this.#rows = rows;
    this.#status.textContent = error ? `the campaigns cannot be read: ${error}` : `updated ${time(Date.now())}`;
    this.#status.className = error ? "error" : "muted";
    if (!this.#search) this.#draw();
  }

  showSearch(query: string, rows: Row[], searched: number): void {
    this.#search = { query, rows, searched };
    this.#draw();
  }

  clearSearch(): void {
    this.#search = null;
    this.#draw();
  }

  #draw(): void {
    const text = this.#filter.value.trim().toLowerCase();
    const state = this.#state.value;
    const source = this.#search?.rows ?? this.#rows;
    this.#note.textContent = this.#search
      ? `search "${this.#search.query}": ${source.length} found among the ${this.#search.searched} most recent campaigns`
      : `${source.length} busiest shown, live`;
    const shown = source
      .filter(
        (r) =>
          (state === "" || r.state === state) &&
          (text === "" || r.id.includes(text) || r.subject.toLowerCase().includes(text)),
      )
      .sort((a, b) => compare(a, b, this.#sort.key) * (this.#sort.desc ? -1 : 1));
    const head = h(
      "tr",
      {},
      ...COLUMNS.map(([key, label, num]) =>
        h(
          "th",
          { class: num ? "num" : "", "data-key": key, onclick: () => this.#sortBy(key) },
          label,
          this.#sort.key === key ? (this.#sort.desc ? " ▼" : " ▲") : "",
        ),
      ),
      h("th", {}, ""),
    );
    fill(this.#table, head, ...shown.map((r) => this.#row(r)));
  }

  #sortBy(key: Key): void {
    this.#sort = { key, desc: this.#sort.key === key ? !this.#sort.desc : true };
    this.#draw();
  }

  #row(r: Row): HTMLElement {
    const verdict = r.decision
      ? `${r.decision.label} by ${r.decision.by}`
      : r.verdict
        ? `${r.verdict.verdict} ${r.verdict.scanner} ${r.verdict.score}${r.verdict.threshold === null ? "" : `/${r.verdict.threshold}`}`
        : "";
    const status = h("span", {});
    const block = h(
      "button",
      {
        type: "button",
        class: "danger",
        "data-action": "block",
        onclick: (e: Event) => {
          e.stopPropagation();
          void act(r.id, "block", status);
        },
      },
      "Block",
    );
    return h(
      "tr",
      { class: "row", "data-id": r.id, onclick: () => this.open(r.id) },
      h("td", { class: `state-${r.state}` }, r.state),
      h("td", {}, h("code", {}, r.id)),
      h("td", { class: "subject", title: r.subject }, r.subject),
      h("td", { class: "num" }, r.copies),
      h("td", { class: "num" }, r.growth > 0 ? `+${r.growth}` : r.growth),
      h("td", { class: "num" }, r.recipients),
      h("td", { class: "num" }, r.senders),
      h("td", { class: "num" }, r.clientIps),
      h("td", { class: "num" }, time(r.firstSeen)),
      h("td", { class: "num" }, time(r.lastSeen)),
      h("td", {}, verdict),
      h("td", {}, sparkline(r.spark)),
      h("td", {}, r.state === "blocked" ? "" : block, status),
    );
  }
}

function compare(a: Row, b: Row, key: Key): number {
  const value = (r: Row): number | string =>
    key === "verdictScore"
      ? (r.verdict?.score ?? -Infinity)
      : key === "spark"
        ? r.spark.reduce((s, v) => s + v, 0)
        : (r[key] as number | string);
  const x = value(a);
  const y = value(b);
  return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
}
