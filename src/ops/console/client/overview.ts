/**
 * The Overview page: mail flow per minute by outcome (a uPlot chart), the scan backlog and its oldest job, the alerts
 * firing and since when, the mail-flow watchdog's state, and shadow mode with its switch.
 */
import { confirmAction } from "./confirm.js";
import { api, duration, fill, h, time } from "./dom.js";
import type { OverviewData } from "./types.js";

const COLOURS: Record<string, string> = {
  continue: "#1b7a34",
  reject: "#b3261e",
  tempfail: "#a15c00",
  held: "#1f5fa8",
  discard: "#6b4fa0",
  "fail:accept": "#e07b39",
  "fail:tempfail": "#d4a017",
  "fail:reject": "#7a1a1a",
};

export class OverviewPage {
  readonly root = h("section", { id: "overview" });
  readonly #cards = h("div", { class: "cards" });
  readonly #chartBox = h("div", { id: "flow-chart" });
  readonly #alerts = h("div", { id: "alerts" });
  readonly #status = h("p", { class: "muted" });
  #chart: UPlot | null = null;
  #series: string[] = [];

  constructor() {
    this.root.append(h("h2", {}, "Overview"), this.#cards, h("h3", {}, "Mail per minute"), this.#chartBox);
    this.root.append(h("h3", {}, "Alerts firing"), this.#alerts, this.#status);
  }

  update(d: OverviewData): void {
    const wd = d.watchdog;
    const q = d.queue;
    fill(
      this.#cards,
      card("Shadow mode", d.shadow ? "on" : "off", this.#shadowButton(d.shadow), "shadow"),
      card(
        "Mail-flow watchdog",
        wd.state === "ok" ? "flowing" : "alerting",
        h(
          "div",
          { class: "muted" },
          `last session ${duration(wd.secondsSinceSession)} ago, last accepted ${duration(wd.secondsSinceAccepted)} ago`,
          wd.firing.length ? ` · ${wd.firing.join(", ")}` : "",
        ),
        "watchdog",
      ),
      card(
        "Scan backlog",
        q ? String(q.backlog) : "–",
        h("div", { class: "muted" }, q ? "" : (d.errors["queue"] ?? "queue off")),
        "backlog",
      ),
      card("Oldest scan job", q ? duration(q.oldestJobAgeSeconds) : "–", null, "oldest"),
      card(
        `Last ${duration(wd.window.seconds)}`,
        `${wd.window.decided} messages`,
        h(
          "div",
          { class: "muted" },
          `reject ${(wd.window.rejectRatio * 100).toFixed(1)} %, tempfail ${(wd.window.tempfailRatio * 100).toFixed(1)} %`,
        ),
        "window",
      ),
    );
    this.#cards.querySelector('[data-card="watchdog"] .big')?.classList.add(wd.state === "ok" ? "ok" : "alerting");
    this.#drawAlerts(d);
    this.#drawChart(d);
    this.#status.textContent = `updated ${time(d.at)}`;
  }

  #shadowButton(on: boolean): HTMLElement {
    return h(
      "button",
      {
        type: "button",
        id: "shadow-switch",
        onclick: () => {
          const words = on
            ? "Turn shadow mode off? Floodgate's verdicts then reject and hold mail for real."
            : "Turn shadow mode on? Floodgate then only labels mail and rejects nothing.";
          void confirmAction(words).then(async (ok) => {
            if (!ok) return;
            try {
              await api("/api/shadow", { on: !on, confirmed: true });
            } catch (err) {
              this.#status.textContent = `shadow switch failed: ${(err as Error).message}`;
            }
          });
        },
      },
      on ? "Turn off…" : "Turn on…",
    );
  }

  #drawAlerts(d: OverviewData): void {
    if (d.alerts.length === 0) return fill(this.#alerts, h("p", { class: "ok" }, "none"));
    const rows = d.alerts.map((a) =>
      h(
        "tr",
        {},
        h("td", { class: "alerting" }, a.alertname),
        h("td", {}, a.severity),
        h("td", {}, time(a.since)),
        h("td", {}, a.summary),
      ),
    );
    fill(
      this.#alerts,
      h(
        "table",
        {},
        h("tr", {}, h("th", {}, "Alert"), h("th", {}, "Severity"), h("th", {}, "Since"), h("th", {}, "Summary")),
        ...rows,
      ),
    );
  }

  #drawChart(d: OverviewData): void {
    const names = Object.keys(d.flow.series);
    const data = [d.flow.minutes, ...names.map((n) => d.flow.series[n] ?? [])] as UPlotData;
    if (this.#chart && this.#series.join() === names.join()) {
      this.#chart.setData(data);
      return;
    }
    this.#chart?.destroy();
    this.#series = names;
    const opts: UPlotOptions = {
      width: Math.min(1100, Math.max(400, this.root.clientWidth - 20)),
      height: 240,
      series: [{}, ...names.map((n) => ({ label: n, stroke: COLOURS[n] ?? "#555", width: 1.5 }))],
      axes: [{}, { label: "messages / min" }],
    };
    this.#chart = new uPlot(opts, data, this.#chartBox);
  }
}

function card(title: string, big: string, extra: HTMLElement | null, key: string): HTMLElement {
  return h("div", { class: "card", "data-card": key }, h("h3", {}, title), h("div", { class: "big" }, big), extra);
}
