import { seg } from "./api.js";
import { h } from "./dom.js";
import { ago, dateTime, latency, percent, value } from "./format.js";
import { fillSampleBar, fillSparkline, newSampleBar, newSparkline } from "./sampleBar.js";
import { keyOf, type Row, type Status } from "./types.js";

/** The overview table's columns, in order; `num` ones are right-aligned tabular numbers. */
export const rowColumns = [
  { label: "Status", className: "c-status" },
  { label: "Monitor", className: "c-name" },
  { label: "Last 30 samples", short: "Samples", className: "c-bar" },
  { label: "24 h", className: "c-up num", title: "Uptime over the last 24 hours" },
  { label: "30 d", className: "c-up num", title: "Uptime over the last 30 days" },
  { label: "Latency", className: "c-lat num" },
  { label: "Value", className: "c-value num" },
  { label: "Since", className: "c-since" },
] as const;

/** A status as text and colour: the word is always there, colour only repeats it. */
export function statusBadge(status: Status, ack?: boolean): HTMLSpanElement {
  return h("span", { className: `badge s-${status}` }, status, ack ? " (ack)" : null);
}

interface RowParts {
  status: HTMLTableCellElement;
  detail: HTMLDivElement;
  bar: HTMLButtonElement;
  up24: HTMLTableCellElement;
  up30: HTMLTableCellElement;
  spark: SVGSVGElement;
  lat: HTMLSpanElement;
  value: HTMLTableCellElement;
  since: HTMLTableCellElement;
  /** What the status cell shows, so it is rebuilt only when that changes. */
  statusKey: string;
}

const columns: readonly { label: string; short?: string; className: string }[] = rowColumns;
const parts = new WeakMap<HTMLTableRowElement, RowParts>();

const setText = (el: Element, text: string) => {
  if (el.textContent !== text) el.textContent = text;
};

/**
 * A monitor's row. Every element is created once and updated in place by {@link fillRow}, so a live
 * change never replaces the link or the bar a keyboard user is on, and the row keeps its height.
 */
export function newRow(row: Row): HTMLTableRowElement {
  const cell = (i: number, child?: Node) =>
    h(
      "td",
      { className: columns[i]!.className, "data-label": columns[i]!.short ?? columns[i]!.label },
      child,
    );
  const detail = h("div", { className: "msg" });
  const bar = newSampleBar();
  bar.dataset.key = keyOf(row.m, row.n);
  const spark = newSparkline();
  const lat = h("span", { className: "lat" });
  const p: RowParts = {
    status: cell(0),
    detail,
    bar,
    up24: cell(3),
    up30: cell(4),
    spark,
    lat,
    value: cell(6),
    since: cell(7),
    statusKey: "",
  };
  const name = h(
    "th",
    { scope: "row", className: "c-name", "data-label": "Monitor" },
    h("a", { href: `#/monitor/${seg(row.m)}/${seg(row.n)}` }, row.n),
    detail,
  );
  const latCell = cell(5);
  latCell.append(spark, lat);
  const tr = h("tr", null, p.status, name, cell(2, bar), p.up24, p.up30, latCell, p.value, p.since);
  parts.set(tr, p);
  fillRow(tr, row);
  return tr;
}

/** Brings a row's cells up to date with `row`, touching only what changed. */
export function fillRow(tr: HTMLTableRowElement, row: Row): void {
  const p = parts.get(tr)!;
  const statusKey = `${row.s}|${row.ack ?? ""}|${row.flap ?? ""}`;
  if (p.statusKey !== statusKey) {
    p.statusKey = statusKey;
    p.status.replaceChildren(
      statusBadge(row.s, row.ack),
      row.flap ? h("span", { className: "badge s-warning" }, "flapping") : "",
    );
  }
  const detail = row.sup ? `Alerts held back: ${row.sup}` : (row.msg ?? row.tags.join(" · "));
  setText(p.detail, detail);
  if (p.detail.title !== detail) p.detail.title = detail;
  p.detail.className = row.msg || row.sup ? "msg failing" : "msg";
  fillSampleBar(p.bar, row);
  setText(p.up24, percent(row.u24));
  setText(p.up30, percent(row.u30));
  fillSparkline(p.spark, row);
  setText(p.lat, latency(row.lat));
  setText(p.value, value(row.v));
  fillSince(tr, row);
  const className = `row s-${row.s}`;
  if (tr.className !== className) tr.className = className;
}

/** Updates the "since" cell (also every 15 s, so "3 min ago" stays true). */
export function fillSince(tr: HTMLTableRowElement, row: Row): void {
  const cell = parts.get(tr)!.since;
  if (row.since === null) {
    setText(cell, "—");
    return;
  }
  let time = cell.firstElementChild as HTMLTimeElement | null;
  if (!time) {
    time = h("time");
    cell.replaceChildren(time);
  }
  const iso = new Date(row.since).toISOString();
  if (time.dateTime !== iso) {
    time.dateTime = iso;
    time.title = dateTime(row.since);
  }
  setText(time, ago(row.since));
}
