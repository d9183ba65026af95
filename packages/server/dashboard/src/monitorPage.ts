import { ApiError, getJson, seg } from "./api.js";
import { Chart, type Point } from "./chart.js";
import { dataTable, h, replace } from "./dom.js";
import { ago, count, dateTime, definitionText, latency, sampleTime, span, value } from "./format.js";
import { monitorIncidents } from "./incidents.js";
import { statusBadge } from "./overview.js";
import { store } from "./store.js";
import { keyOf, type Status } from "./types.js";

interface Delivery {
  id: string;
  handler: string;
  handlerIndex: number;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastError: string | null;
  deliveredAt: number | null;
  nextAttemptAt: number | null;
}

interface Detail {
  module: string;
  monitor: string;
  revision: number;
  definition: { tags: string[]; schedule: unknown } & Record<string, unknown>;
  status: Status;
  since: number | null;
  incident: { key: string; openedAt: number; acknowledged: { by: string; at: number } | null } | null;
  lastResult: {
    status: Status;
    message: string;
    durationMs: number;
    value?: number;
    timestamp: number;
  } | null;
  nextRunAt: number | null;
  transitions: {
    id: string;
    kind: "transition" | "reminder" | "escalation" | "flapping";
    from: Status;
    to: Status;
    since: number;
    at: number;
    message: string;
    /** Why its alerts were held back (maintenance window, silence, failing dependency), if they were. */
    suppressed: string | null;
    incident: { key: string } | null;
    deliveries: Delivery[];
  }[];
}

type Samples =
  | { resolution: "raw"; samples: { t: number; status: Status; latencyMs: number; value?: number }[] }
  | {
      resolution: "5m";
      buckets: {
        t: number;
        count: number;
        statuses: Record<"ok" | "warning" | "critical" | "unknown", number>;
        latencyMs: { avg: number };
        value?: { avg: number };
      }[];
    };

const ranges: [label: string, ms: number][] = [
  ["1 hour", 3_600_000],
  ["6 hours", 6 * 3_600_000],
  ["24 hours", 86_400_000],
  ["7 days", 7 * 86_400_000],
];

/**
 * Whether a sampler's values say something its latencies do not: HTTP, TCP and DNS report the
 * latency as their value, and a second chart of the same line would only repeat the first.
 */
const valueMeansSomething = (points: readonly Point[]) =>
  points.some((p) => p.v !== null && Math.abs(p.v - p.lat) > Math.max(0.5, p.lat * 0.01));

const worst = (statuses: Record<string, number>): Status =>
  (["critical", "warning", "unknown", "ok"] as const).find((s) => (statuses[s] ?? 0) > 0) ?? "pending";

/** A monitor: its charts, its transitions and deliveries, its definition and its module's source. */
export function renderMonitor(root: HTMLElement, module: string, monitor: string): () => void {
  const abort = new AbortController();
  const latencyChart = new Chart("lat", "Latency (ms)");
  const valueChart = new Chart("v", "Value");
  const status = h("div", { className: "monitor-status" });
  const historyNote = h("p", { className: "note", role: "status" });
  const rangeSelect = h(
    "select",
    { id: "range" },
    ranges.map(([label, ms]) => h("option", { value: ms }, `Last ${label}`)),
  );
  rangeSelect.value = String(ranges[1]![1]);
  const transitions = h("div", { className: "transitions" });
  const definition = h("pre", { className: "code", tabindex: 0, "aria-label": "Evaluated definition" });
  const source = h("pre", { className: "code", tabindex: 0, "aria-label": "Module source" });
  const valueSection = h("section", { hidden: true }, h("h3", null, "Value"), valueChart.element);

  replace(
    root,
    h(
      "nav",
      { className: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: "#/" }, "Overview"),
      " / ",
      h("a", { href: `#/module/${seg(module)}` }, module),
    ),
    h("h1", null, monitor),
    status,
    h(
      "section",
      { "aria-labelledby": "h-history" },
      h("h2", { id: "h-history" }, "History"),
      h("div", { className: "field inline" }, h("label", { for: "range" }, "Range"), rangeSelect),
      historyNote,
      h("section", null, h("h3", null, "Latency"), latencyChart.element),
      valueSection,
    ),
    monitorIncidents(module, monitor),
    h(
      "section",
      { "aria-labelledby": "h-incidents" },
      h("h2", { id: "h-incidents" }, "Transitions and notifications"),
      transitions,
    ),
    h(
      "section",
      { "aria-labelledby": "h-definition" },
      h("h2", { id: "h-definition" }, "Definition"),
      definition,
    ),
    h(
      "section",
      { "aria-labelledby": "h-source" },
      h("h2", { id: "h-source" }, "Module source"),
      h("details", null, h("summary", null, "Show the module file as pushed"), source),
    ),
  );

  const setCharts = (points: Point[], from: number, to: number) => {
    latencyChart.setRange(from, to);
    valueChart.setRange(from, to);
    latencyChart.set(points);
    const withValue = valueMeansSomething(points);
    valueSection.hidden = !withValue;
    if (withValue) valueChart.set(points);
  };

  const loadHistory = async () => {
    const to = Date.now();
    const width = Number(rangeSelect.value);
    const from = to - width;
    const label = ranges.find(([, ms]) => ms === width)?.[0] ?? span(width);
    try {
      const page = await getJson<Samples>(
        `/modules/${seg(module)}/monitors/${seg(monitor)}/samples?from=${from}&to=${to}&limit=2000`,
        undefined,
        abort.signal,
      );
      const points: Point[] =
        page.resolution === "raw"
          ? page.samples.map((s) => ({ t: s.t, lat: s.latencyMs, v: s.value ?? null, s: s.status }))
          : page.buckets.map((b) => ({
              t: b.t,
              lat: b.latencyMs.avg,
              v: b.value?.avg ?? null,
              s: worst(b.statuses),
            }));
      const first = points[0]?.t;
      // The axis always spans the chosen range; when the samples cover only its end, the note says so.
      const partial =
        first !== undefined && first - from > width * 0.05
          ? ` They start at ${sampleTime(first)}: this server has no samples of the ${label} before.`
          : "";
      historyNote.textContent =
        points.length === 0
          ? `No samples in the last ${label} yet; new ones appear as they arrive.`
          : `The last ${label}: ${count(points.length, page.resolution === "raw" ? "sample" : "five-minute bucket")}.${partial} The strip under each chart is the status (green ok, amber warning, red critical, grey unknown).`;
      setCharts(points, from, to);
    } catch (error) {
      if (abort.signal.aborted) return;
      historyNote.textContent =
        error instanceof ApiError && error.status === 404
          ? "This server keeps no sample history; the charts show samples from now on."
          : `Could not load the history: ${(error as Error).message}`;
      setCharts([], from, to);
    }
  };

  const renderStatus = (detail: Detail) => {
    const row = store.rows.get(keyOf(module, monitor));
    const s = row?.s ?? detail.status;
    const since = row?.since ?? detail.since;
    const last = detail.lastResult;
    // Shown only when it is not the latency again (the row already leaves such a value out).
    const lastValue = row ? row.v : last && last.value !== last.durationMs ? (last.value ?? null) : null;
    replace(
      status,
      h(
        "dl",
        { className: "facts" },
        h("div", null, h("dt", null, "Status"), h("dd", null, statusBadge(s, row?.ack))),
        h(
          "div",
          null,
          h("dt", null, "Since"),
          h("dd", null, since === null ? "—" : `${dateTime(since)} (${ago(since)})`),
        ),
        h(
          "div",
          null,
          h("dt", null, "Last latency"),
          h("dd", null, latency(row?.lat ?? last?.durationMs ?? null)),
        ),
        lastValue === null
          ? null
          : h("div", null, h("dt", null, "Last value"), h("dd", null, value(lastValue))),
        h(
          "div",
          null,
          h("dt", null, "Last message"),
          h("dd", { className: "msg" }, row?.msg ?? last?.message ?? "—"),
        ),
        h(
          "div",
          null,
          h("dt", null, "Tags"),
          h(
            "dd",
            null,
            detail.definition.tags.map((t) => h("span", { className: "tag" }, t)),
          ),
        ),
        detail.incident
          ? h(
              "div",
              null,
              h("dt", null, "Incident"),
              h(
                "dd",
                null,
                `${detail.incident.key}, opened ${dateTime(detail.incident.openedAt)}`,
                detail.incident.acknowledged
                  ? `, acknowledged by ${detail.incident.acknowledged.by} ${ago(detail.incident.acknowledged.at)}`
                  : ", not acknowledged",
              ),
            )
          : null,
      ),
    );
  };

  const renderTransitions = (detail: Detail) => {
    if (detail.transitions.length === 0) {
      replace(transitions, h("p", null, "No transition yet."));
      return;
    }
    replace(
      transitions,
      dataTable(
        ["When", "Change", "Message", "Notifications"],
        detail.transitions.map((t) => [
          dateTime(t.since),
          [
            t.kind === "transition" ? null : `${t.kind}: `,
            statusBadge(t.from),
            " → ",
            statusBadge(t.to),
            t.incident ? h("div", { className: "small" }, `incident ${t.incident.key}`) : null,
            t.suppressed ? h("div", { className: "small" }, `alerts held back: ${t.suppressed}`) : null,
          ],
          h("span", { className: "msg" }, t.message),
          t.deliveries.length === 0
            ? "none"
            : h(
                "ul",
                { className: "deliveries" },
                t.deliveries.map((d) =>
                  h(
                    "li",
                    null,
                    h("strong", null, d.handler),
                    ` ${d.status}`,
                    `, ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`,
                    d.deliveredAt ? `, ${dateTime(d.deliveredAt)}` : null,
                    d.nextAttemptAt ? `, next try ${dateTime(d.nextAttemptAt)}` : null,
                    d.lastError ? h("div", { className: "error" }, `Last error: ${d.lastError}`) : null,
                  ),
                ),
              ),
        ]),
      ),
    );
  };

  let detail: Detail | undefined;
  const loadDetail = async () => {
    try {
      detail = await getJson<Detail>(
        `/modules/${seg(module)}/monitors/${seg(monitor)}`,
        undefined,
        abort.signal,
      );
      renderStatus(detail);
      renderTransitions(detail);
      definition.textContent = definitionText(detail.definition);
      const stored = await getJson<{ source: string }>(`/modules/${seg(module)}`, undefined, abort.signal);
      source.textContent = stored.source;
    } catch (error) {
      if (abort.signal.aborted) return;
      replace(status, h("p", { className: "error", role: "alert" }, (error as Error).message));
    }
  };

  rangeSelect.addEventListener("change", () => void loadHistory());
  void loadDetail();
  void loadHistory();

  let refresh: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = store.subscribe((rows, full) => {
    const row = full
      ? store.rows.get(keyOf(module, monitor))
      : rows.find((r) => r.m === module && r.n === monitor);
    if (!row || row.gone) return;
    if (row.run !== null && row.lat !== null) {
      const point = { t: row.run, lat: row.lat, v: row.v, s: row.s };
      latencyChart.append(point);
      if (row.v !== null) valueChart.append(point);
      if (valueSection.hidden && valueMeansSomething(valueChart.points)) valueSection.hidden = false;
    }
    if (detail) renderStatus(detail);
    // A status change brings a transition (and deliveries): fetch the detail again, at most once a second.
    if (detail && row.since !== detail.since && refresh === undefined) {
      refresh = setTimeout(() => {
        refresh = undefined;
        void loadDetail();
      }, 1_000);
    }
  });

  return () => {
    abort.abort();
    unsubscribe();
    clearTimeout(refresh);
    latencyChart.destroy();
    valueChart.destroy();
  };
}
