import { seg } from "./api.js";
import { h } from "./dom.js";
import { newRow, rowColumns } from "./monitorRow.js";
import { store } from "./store.js";
import {
  measureRows,
  newSpacers,
  type RowWindow,
  type Spacers,
  sizeSpacers,
  visibleWindow,
} from "./virtualRows.js";

/** A module's group on the overview: its section, its matching rows, and the rows in the DOM. */
export interface Group {
  name: string;
  keys: string[];
  section: HTMLElement;
  toggle: HTMLButtonElement;
  counts: HTMLSpanElement;
  panel: HTMLDivElement;
  table: HTMLTableElement | undefined;
  tbody: HTMLTableSectionElement | undefined;
  spacers: Spacers | undefined;
  window: RowWindow;
  /** Rendered rows by key (those in the window): updated in place on a change. */
  rendered: Map<string, HTMLTableRowElement>;
  /** The keys that match the filter, in order (failing first). */
  matching: string[];
  /** The user's choice, which wins over the automatic one. */
  userOpen: boolean | undefined;
  open: boolean;
  worst: number;
}

/** A module's section: its toggle (with its counts), a link to the module, and a panel for its table. */
export function newGroup(name: string, index: number, onToggle: (group: Group) => void): Group {
  const id = `g-${index}-${name.replace(/[^\w-]/g, "_")}`;
  const countsText = h("span", { className: "counts" });
  const toggle = h(
    "button",
    { type: "button", className: "group-toggle", "aria-expanded": "false", "aria-controls": id },
    h("span", { className: "chevron", "aria-hidden": "true" }),
    h("span", { className: "group-name" }, name),
    countsText,
  );
  const panel = h("div", { id, className: "group-panel", hidden: true });
  const section = h(
    "section",
    { className: "group" },
    h("h2", null, toggle),
    h(
      "a",
      { className: "module-link", href: `#/module/${seg(name)}` },
      "Module ",
      h("span", { className: "sr-only" }, name),
      "details",
    ),
    panel,
  );
  const group: Group = {
    name,
    keys: [],
    section,
    toggle,
    counts: countsText,
    panel,
    table: undefined,
    tbody: undefined,
    spacers: undefined,
    window: { start: 0, end: 0 },
    rendered: new Map(),
    matching: [],
    userOpen: undefined,
    open: false,
    worst: 4,
  };
  toggle.addEventListener("click", () => onToggle(group));
  return group;
}

function ensureTable(group: Group): HTMLTableSectionElement {
  if (group.tbody) return group.tbody;
  group.spacers = newSpacers(rowColumns.length);
  group.tbody = h("tbody", null, group.spacers.top, group.spacers.bottom);
  group.table = h(
    "table",
    { className: "monitors" },
    h("caption", { className: "sr-only" }, `Monitors of ${group.name}`),
    h(
      "thead",
      null,
      h(
        "tr",
        { "aria-rowindex": 1 },
        rowColumns.map((c) =>
          h("th", { scope: "col", className: c.className, title: "title" in c ? c.title : null }, c.label),
        ),
      ),
    ),
    group.tbody,
  );
  group.panel.append(group.table);
  return group.tbody;
}

/** Puts the group's window of matching rows in the DOM, in order, moving as few rows as it can. */
export function renderRows(group: Group, measured = false): void {
  if (!group.open) return;
  const tbody = ensureTable(group);
  const spacers = group.spacers!;
  const total = group.matching.length;
  const win = visibleWindow(tbody, total);
  group.window = win;
  group.table!.setAttribute("aria-rowcount", String(total + 1));
  const focused = document.activeElement;
  const wanted = group.matching.slice(win.start, win.end);
  const wantedSet = new Set(wanted);
  for (const [k, tr] of group.rendered) {
    if (!wantedSet.has(k)) {
      tr.remove();
      group.rendered.delete(k);
    }
  }
  let cursor = spacers.top.nextElementSibling;
  wanted.forEach((k, i) => {
    let tr = group.rendered.get(k);
    if (!tr) {
      tr = newRow(store.rows.get(k)!);
      group.rendered.set(k, tr);
    }
    const index = String(win.start + i + 2);
    if (tr.getAttribute("aria-rowindex") !== index) tr.setAttribute("aria-rowindex", index);
    if (tr === cursor) cursor = cursor.nextElementSibling;
    else tbody.insertBefore(tr, cursor);
  });
  sizeSpacers(spacers, win, total);
  // A row moved to its new place loses focus in the move: the keyboard user stays where they were.
  if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected)
    focused.focus({ preventScroll: true });
  if (!measured && wanted.length > 0 && measureRows(tbody)) renderRows(group, true);
}

/** Opens or closes a group; an open group renders its rows. */
export function setOpen(group: Group, open: boolean): void {
  group.open = open;
  group.toggle.setAttribute("aria-expanded", String(open));
  group.panel.hidden = !open;
  if (open) renderRows(group);
}

/** Filters a group (from its current matches when the filter only narrowed) and counts it. */
