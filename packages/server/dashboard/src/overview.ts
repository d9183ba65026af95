import { seg } from "./api.js";
import { h, replace } from "./dom.js";
import { ago, count, dateTime, latency, value } from "./format.js";
import { store } from "./store.js";
import { isFailing, keyOf, type Row, type Status, statusRank } from "./types.js";

/** How many rows groups may show when opened automatically; the others open on demand. */
const autoOpenBudget = 200;

interface Group {
  name: string;
  keys: string[];
  section: HTMLElement;
  toggle: HTMLButtonElement;
  counts: HTMLSpanElement;
  panel: HTMLDivElement;
  tbody: HTMLTableSectionElement | undefined;
  /** Rendered rows by key: updated in place on a change. */
  rendered: Map<string, HTMLTableRowElement>;
  matching: string[];
  /** The user's choice, which wins over the automatic one. */
  userOpen: boolean | undefined;
  open: boolean;
  worst: number;
}

interface Filter {
  text: string;
  status: string;
  tag: string;
}

/** A status as text and colour: the word is always there, colour only repeats it. */
export function statusBadge(status: Status, ack?: boolean): HTMLSpanElement {
  return h("span", { className: `badge s-${status}` }, status, ack ? " (ack)" : null);
}

const compareRows = (a: Row, b: Row) => statusRank[a.s] - statusRank[b.s] || a.n.localeCompare(b.n);

/** The overview: every monitor grouped by module, failing first, filtered, updated live. */
export function renderOverview(root: HTMLElement): () => void {
  const filter: Filter = { text: "", status: "", tag: "" };
  const groups = new Map<string, Group>();
  const search = h("input", {
    id: "filter-text",
    type: "search",
    placeholder: "Monitor, module or tag",
    autocomplete: "off",
  });
  const statusSelect = h(
    "select",
    { id: "filter-status" },
    h("option", { value: "" }, "Any status"),
    h("option", { value: "failing" }, "Failing"),
    ...(["critical", "warning", "unknown", "pending", "ok"] as const).map((s) =>
      h("option", { value: s }, s),
    ),
  );
  const tagSelect = h("select", { id: "filter-tag" }, h("option", { value: "" }, "Any tag"));
  const summary = h("p", { className: "summary", role: "status", "aria-live": "polite" });
  const list = h("div", { className: "groups" });
  const empty = h("p", { className: "empty", hidden: true }, "No monitor matches the filter.");
  const form = h(
    "form",
    {
      className: "filters",
      role: "search",
      "aria-label": "Filter monitors",
      onsubmit: (e: Event) => e.preventDefault(),
    },
    h("div", { className: "field" }, h("label", { for: "filter-text" }, "Search"), search),
    h("div", { className: "field" }, h("label", { for: "filter-status" }, "Status"), statusSelect),
    h("div", { className: "field" }, h("label", { for: "filter-tag" }, "Tag"), tagSelect),
  );
  replace(root, h("h1", null, "Overview"), form, summary, list, empty);

  const matches = (row: Row): boolean => {
    if (filter.status === "failing" ? !isFailing(row.s) : filter.status !== "" && row.s !== filter.status)
      return false;
    if (filter.tag !== "" && !row.tags.includes(filter.tag)) return false;
    if (filter.text !== "") {
      const t = filter.text;
      if (
        !row.n.toLowerCase().includes(t) &&
        !row.m.toLowerCase().includes(t) &&
        !row.tags.some((g) => g.toLowerCase().includes(t))
      )
        return false;
    }
    return true;
  };

  const fillRow = (tr: HTMLTableRowElement, row: Row) => {
    const [statusCell, nameCell, sinceCell, latCell, valueCell, tagsCell] =
      tr.cells as unknown as HTMLTableCellElement[];
    replace(
      statusCell!,
      statusBadge(row.s, row.ack),
      row.flap ? h("span", { className: "badge s-warning" }, "flapping") : null,
    );
    replace(
      nameCell!,
      h("a", { href: `#/monitor/${seg(row.m)}/${seg(row.n)}` }, row.n),
      row.msg ? h("div", { className: "msg" }, row.msg) : null,
      row.sup ? h("div", { className: "msg" }, `Alerts held back: ${row.sup}`) : null,
    );
    replace(
      sinceCell!,
      row.since === null
        ? "—"
        : h(
            "time",
            { datetime: new Date(row.since).toISOString(), title: dateTime(row.since) },
            ago(row.since),
          ),
    );
    latCell!.textContent = latency(row.lat);
    valueCell!.textContent = value(row.v);
    replace(
      tagsCell!,
      row.tags.map((t) => h("span", { className: "tag" }, t)),
    );
    tr.className = `row s-${row.s}`;
  };

  const newRow = (row: Row) => {
    const tr = h(
      "tr",
      null,
      h("td", { "data-label": "Status" }),
      h("th", { scope: "row", "data-label": "Monitor" }),
      h("td", { "data-label": "Since" }),
      h("td", { className: "num", "data-label": "Latency" }),
      h("td", { className: "num", "data-label": "Value" }),
      h("td", { className: "tags", "data-label": "Tags" }),
    );
    fillRow(tr, row);
    return tr;
  };

  const newGroup = (name: string): Group => {
    const id = `g-${groups.size}-${name.replace(/[^\w-]/g, "_")}`;
    const counts = h("span", { className: "counts" });
    const toggle = h(
      "button",
      { type: "button", className: "group-toggle", "aria-expanded": "false", "aria-controls": id },
      h("span", { className: "chevron", "aria-hidden": "true" }),
      h("span", { className: "group-name" }, name),
      counts,
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
      counts,
      panel,
      tbody: undefined,
      rendered: new Map(),
      matching: [],
      userOpen: undefined,
      open: false,
      worst: 4,
    };
    toggle.addEventListener("click", () => {
      group.userOpen = !group.open;
      setOpen(group, group.userOpen);
    });
    return group;
  };

  const renderRows = (group: Group) => {
    if (!group.open) return;
    if (!group.tbody) {
      group.tbody = h("tbody");
      group.panel.append(
        h(
          "table",
          { className: "monitors" },
          h("caption", { className: "sr-only" }, `Monitors of ${group.name}`),
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", { scope: "col" }, "Status"),
              h("th", { scope: "col" }, "Monitor"),
              h("th", { scope: "col" }, "Since"),
              h("th", { scope: "col", className: "num" }, "Latency"),
              h("th", { scope: "col", className: "num" }, "Value"),
              h("th", { scope: "col" }, "Tags"),
            ),
          ),
          group.tbody,
        ),
      );
    }
    const wanted = new Set(group.matching);
    for (const [k, tr] of group.rendered) {
      if (!wanted.has(k)) {
        tr.remove();
        group.rendered.delete(k);
      }
    }
    // Reorders with the fewest DOM moves: a row already in its place stays untouched.
    let cursor = group.tbody.firstElementChild;
    for (const k of group.matching) {
      let tr = group.rendered.get(k);
      if (!tr) {
        tr = newRow(store.rows.get(k)!);
        group.rendered.set(k, tr);
      }
      if (tr === cursor) cursor = cursor.nextElementSibling;
      else group.tbody.insertBefore(tr, cursor);
    }
  };

  const setOpen = (group: Group, open: boolean) => {
    group.open = open;
    group.toggle.setAttribute("aria-expanded", String(open));
    group.panel.hidden = !open;
    if (open) renderRows(group);
  };

  const refreshGroup = (group: Group) => {
    const rows = group.keys.map((k) => store.rows.get(k)).filter((r): r is Row => r !== undefined);
    const matching = rows.filter(matches).sort(compareRows);
    group.matching = matching.map((r) => keyOf(r.m, r.n));
    group.worst = matching.reduce((w, r) => Math.min(w, statusRank[r.s]), 4);
    const failing = matching.filter((r) => isFailing(r.s)).length;
    group.counts.textContent =
      `${matching.length}${matching.length === rows.length ? "" : ` of ${rows.length}`} monitor${rows.length === 1 ? "" : "s"}` +
      (failing > 0 ? `, ${failing} failing` : ", all ok or pending");
    group.counts.className = `counts${failing > 0 ? " failing" : ""}`;
    group.section.hidden = matching.length === 0;
  };

  const orderGroups = () => {
    const ordered = [...groups.values()].sort((a, b) => a.worst - b.worst || a.name.localeCompare(b.name));
    let cursor = list.firstElementChild;
    for (const group of ordered) {
      if (group.section === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(group.section, cursor);
    }
    return ordered;
  };

  const updateSummary = () => {
    let failing = 0;
    for (const row of store.rows.values()) if (isFailing(row.s)) failing++;
    const shown = [...groups.values()].reduce((n, g) => n + g.matching.length, 0);
    summary.textContent =
      `${count(store.rows.size, "monitor")} in ${count(groups.size, "module")}, ${failing.toLocaleString()} failing` +
      (shown === store.rows.size ? "" : `; ${shown.toLocaleString()} match the filter`);
    empty.hidden = shown > 0 || store.rows.size === 0;
  };

  /** Filters everything and decides which groups open: failing ones, then matches, within a budget. */
  const applyFilter = () => {
    // A User Timing measure per filter pass: the benchmark reads it, and so can anyone in devtools.
    performance.mark("amstaff:filter:start");
    for (const group of groups.values()) refreshGroup(group);
    const filtering = filter.text !== "" || filter.status !== "" || filter.tag !== "";
    let budget = autoOpenBudget;
    // A small installation shows every monitor; a large one opens what needs attention first.
    const everything = store.rows.size <= autoOpenBudget;
    for (const group of orderGroups()) {
      const auto =
        (group.worst <= statusRank.unknown || filtering || everything) &&
        group.matching.length > 0 &&
        group.matching.length <= budget;
      const open = group.userOpen ?? auto;
      if (open) budget -= group.matching.length;
      if (open !== group.open) setOpen(group, open);
      else renderRows(group);
    }
    updateSummary();
    performance.measure("amstaff:filter", "amstaff:filter:start");
    performance.clearMarks("amstaff:filter:start");
    if (performance.getEntriesByName("amstaff:filter").length > 200)
      performance.clearMeasures("amstaff:filter");
  };

  const rebuild = () => {
    performance.mark("amstaff:render:start");
    const byModule = new Map<string, string[]>();
    for (const [k, row] of store.rows) {
      const keys = byModule.get(row.m) ?? [];
      keys.push(k);
      byModule.set(row.m, keys);
    }
    for (const [name, group] of groups) {
      if (!byModule.has(name)) {
        group.section.remove();
        groups.delete(name);
      }
    }
    for (const [name, keys] of byModule) {
      let group = groups.get(name);
      if (!group) {
        group = newGroup(name);
        groups.set(name, group);
        list.append(group.section);
      }
      group.keys = keys;
      for (const [k, tr] of group.rendered) {
        const row = store.rows.get(k);
        if (row) fillRow(tr, row);
      }
    }
    const tags = [...new Set([...store.rows.values()].flatMap((r) => r.tags))].sort();
    const chosen = tagSelect.value;
    replace(
      tagSelect,
      h("option", { value: "" }, "Any tag"),
      tags.map((t) => h("option", { value: t }, t)),
    );
    tagSelect.value = tags.includes(chosen) ? chosen : "";
    filter.tag = tagSelect.value;
    applyFilter();
    root.setAttribute("aria-busy", "false");
    performance.measure("amstaff:render", "amstaff:render:start");
    performance.clearMarks("amstaff:render:start");
  };

  /** A live change: the changed rows are updated in place; only their groups are filtered again. */
  const onChanges = (rows: Row[]) => {
    const touched = new Set<Group>();
    for (const row of rows) {
      const group = groups.get(row.m);
      if (!group) continue;
      const k = keyOf(row.m, row.n);
      const tr = group.rendered.get(k);
      if (tr && !row.gone) fillRow(tr, row);
      touched.add(group);
    }
    if (touched.size === 0) return;
    for (const group of touched) {
      const before = group.matching.join("\n");
      const wasWorst = group.worst;
      refreshGroup(group);
      if (
        group.worst < wasWorst &&
        group.worst <= statusRank.unknown &&
        group.userOpen === undefined &&
        !group.open
      ) {
        setOpen(group, true);
      } else if (group.matching.join("\n") !== before) {
        renderRows(group);
      }
    }
    orderGroups();
    updateSummary();
  };

  let frame: number | undefined;
  const readFilter = () => {
    filter.text = search.value.trim().toLowerCase();
    filter.status = statusSelect.value;
    filter.tag = tagSelect.value;
    for (const group of groups.values()) group.userOpen = undefined;
  };
  // Keystrokes within one frame cost one filter pass; selects apply at once.
  search.addEventListener("input", () => {
    readFilter();
    if (frame === undefined)
      frame = requestAnimationFrame(() => {
        frame = undefined;
        applyFilter();
      });
  });
  for (const select of [statusSelect, tagSelect]) {
    select.addEventListener("change", () => {
      readFilter();
      applyFilter();
    });
  }

  // "since" stays true without a re-render of everything: only the rows on the page are touched.
  const clock = setInterval(() => {
    for (const group of groups.values())
      for (const [k, tr] of group.rendered) {
        const row = store.rows.get(k);
        const time = tr.cells[2]?.firstElementChild;
        if (row && time) time.textContent = ago(row.since);
      }
  }, 15_000);

  root.setAttribute("aria-busy", "true");
  if (store.loaded) rebuild();
  const unsubscribe = store.subscribe((rows, full) => (full ? rebuild() : onChanges(rows)));
  return () => {
    unsubscribe();
    clearInterval(clock);
    if (frame !== undefined) cancelAnimationFrame(frame);
  };
}
