import { h, replace } from "./dom.js";
import { count } from "./format.js";
import { fillRow, fillSince, statusBadge } from "./monitorRow.js";
import { statusCounts } from "./overviewCounts.js";
import { type Group, newGroup, renderRows, setOpen } from "./overviewGroup.js";
import { wireSampleBars } from "./sampleBar.js";
import { store } from "./store.js";
import { isFailing, keyOf, type Row, type Status, statusRank } from "./types.js";
import { setWindowThreshold, visibleWindow, windowThreshold } from "./virtualRows.js";

export { statusBadge };

/** How many rows groups may show when opened automatically; the others open on demand. */
const autoOpenBudget = 200;
/**
 * What an open group counts against the budget on a large installation: a table and up to a screenful
 * of rows, however few match, so a search matching one monitor in each of 500 modules opens a few
 * groups, not 500 (each opened group costs the browser a layout).
 */
const groupCost = 30;

interface Filter {
  text: string;
  status: string;
  tag: string;
}

/** Orders names as `localeCompare` does, at a fraction of its cost per comparison. */
const byName = new Intl.Collator().compare;
/** Each row's searchable text, lower-cased once per row object (a change brings a new object). */
const haystacks = new WeakMap<Row, string>();
const haystack = (row: Row) => {
  let text = haystacks.get(row);
  if (text === undefined) {
    text = `${row.n}\n${row.m}\n${row.tags.join("\n")}`.toLowerCase();
    haystacks.set(row, text);
  }
  return text;
};

/**
 * The overview: counts by status, then every monitor grouped by module, failing first (critical,
 * warning, unknown), filtered, updated live. A group renders only the
 * rows near the viewport, so 50,000 monitors cost the DOM of a screenful.
 */
export function renderOverview(root: HTMLElement): () => void {
  const filter: Filter = { text: "", status: "", tag: "" };
  let applied: Filter | undefined;
  const groups = new Map<string, Group>();
  const lastStatus = new Map<string, Status>();
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
  const counts = statusCounts((status) => {
    statusSelect.value = statusSelect.value === status ? "" : status;
    readFilter();
    applyFilter();
  });
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
  replace(root, h("h1", null, "Overview"), counts.element, form, summary, list, empty);
  const unwire = wireSampleBars(list, (bar) => store.rows.get(bar.dataset.key ?? ""));

  const matches = (row: Row): boolean => {
    if (filter.status === "failing" ? !isFailing(row.s) : filter.status !== "" && row.s !== filter.status)
      return false;
    if (filter.tag !== "" && !row.tags.includes(filter.tag)) return false;
    return filter.text === "" || haystack(row).includes(filter.text);
  };

  const toggled = (group: Group) => {
    group.userOpen = !group.open;
    setOpen(group, group.userOpen);
  };

  const refreshGroup = (group: Group, narrowing = false) => {
    // Keys are kept in name order: sorting by status is then bucketing, which keeps that order within
    // each status, with no comparison at all (500 sorts of 100 rows cost a filter pass 100 ms).
    const buckets: string[][] = [[], [], [], [], []];
    const tally: Record<Status, number> = { critical: 0, warning: 0, unknown: 0, pending: 0, ok: 0 };
    for (const k of narrowing ? group.matching : group.keys) {
      const row = store.rows.get(k);
      if (!row || !matches(row)) continue;
      buckets[statusRank[row.s]]!.push(k);
      tally[row.s]++;
    }
    group.matching = buckets.flat();
    const worst = buckets.findIndex((b) => b.length > 0);
    const rows = group.matching;
    group.worst = worst < 0 ? 4 : worst;
    const failing = (["critical", "warning", "unknown"] as const).filter((s) => tally[s] > 0);
    group.counts.textContent =
      `${rows.length}${rows.length === group.keys.length ? "" : ` of ${group.keys.length}`} monitor${group.keys.length === 1 ? "" : "s"}` +
      (failing.length > 0 ? `, ${failing.map((s) => `${tally[s]} ${s}`).join(", ")}` : ", all ok or pending");
    group.counts.className = `counts${failing.length > 0 ? ` failing worst-${failing[0]}` : ""}`;
    group.section.hidden = rows.length === 0;
  };

  const orderGroups = () => {
    const ordered = [...groups.values()].sort((a, b) => a.worst - b.worst || byName(a.name, b.name));
    let cursor = list.firstElementChild;
    const focused = document.activeElement;
    for (const group of ordered) {
      if (group.section === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(group.section, cursor);
    }
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected)
      focused.focus({ preventScroll: true });
    return ordered;
  };

  const updateSummary = () => {
    const tally: Record<Status, number> = { critical: 0, warning: 0, unknown: 0, pending: 0, ok: 0 };
    for (const row of store.rows.values()) tally[row.s]++;
    counts.update(tally, filter.status);
    const failing = tally.critical + tally.warning + tally.unknown;
    let shown = 0;
    for (const g of groups.values()) shown += g.matching.length;
    summary.textContent =
      `${count(store.rows.size, "monitor")} in ${count(groups.size, "module")}, ${failing.toLocaleString()} failing` +
      (shown === store.rows.size ? "" : `; ${shown.toLocaleString()} match the filter`);
    empty.hidden = shown > 0 || store.rows.size === 0;
  };

  /** Filters everything and decides which groups open: failing ones, then matches, within a budget. */
  const applyFilter = () => {
    // A User Timing measure per filter pass: the benchmark reads it, and so can anyone in devtools.
    performance.mark("amstaff:filter:start");
    // Typing more of a word only narrows: the pass then looks at the current matches, not every row.
    const narrowing =
      applied !== undefined &&
      applied.status === filter.status &&
      applied.tag === filter.tag &&
      filter.text.includes(applied.text);
    applied = { ...filter };
    for (const group of groups.values()) refreshGroup(group, narrowing);
    const filtering = filter.text !== "" || filter.status !== "" || filter.tag !== "";
    let budget = autoOpenBudget;
    // A small installation shows every monitor; a large one opens what needs attention first.
    const everything = store.rows.size <= autoOpenBudget;
    const cost = (group: Group) => (everything ? group.matching.length : groupCost);
    for (const group of orderGroups()) {
      const auto =
        (group.worst <= statusRank.unknown || filtering || everything) &&
        group.matching.length > 0 &&
        cost(group) <= budget;
      const open = group.userOpen ?? auto;
      if (open) budget -= cost(group);
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
    setWindowThreshold(store.rows.size <= autoOpenBudget ? 60 : 0);
    const byModule = new Map<string, string[]>();
    lastStatus.clear();
    for (const [k, row] of store.rows) {
      lastStatus.set(k, row.s);
      const keys = byModule.get(row.m);
      if (keys) keys.push(k);
      else byModule.set(row.m, [k]);
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
        group = newGroup(name, groups.size, toggled);
        groups.set(name, group);
        list.append(group.section);
      }
      // Every key of a group starts with its module's name: ordering keys orders monitor names.
      group.keys = keys.sort(byName);
      for (const [k, tr] of group.rendered) {
        const row = store.rows.get(k);
        if (row) fillRow(tr, row);
      }
    }
    const tagSet = new Set<string>();
    for (const row of store.rows.values()) for (const t of row.tags) tagSet.add(t);
    const tags = [...tagSet].sort();
    const chosen = tagSelect.value;
    replace(
      tagSelect,
      h("option", { value: "" }, "Any tag"),
      tags.map((t) => h("option", { value: t }, t)),
    );
    tagSelect.value = tags.includes(chosen) ? chosen : "";
    filter.tag = tagSelect.value;
    applied = undefined;
    applyFilter();
    root.setAttribute("aria-busy", "false");
    performance.measure("amstaff:render", "amstaff:render:start");
    performance.clearMarks("amstaff:render:start");
  };

  /** A live change: rows update in place; a group is filtered and sorted again only if a status moved. */
  const onChanges = (rows: Row[]) => {
    const moved = new Set<Group>();
    for (const row of rows) {
      const group = groups.get(row.m);
      if (!group) continue;
      const k = keyOf(row.m, row.n);
      const tr = group.rendered.get(k);
      if (tr && !row.gone) fillRow(tr, row);
      if (row.gone || lastStatus.get(k) !== row.s) moved.add(group);
      if (row.gone) lastStatus.delete(k);
      else lastStatus.set(k, row.s);
    }
    if (moved.size === 0) return;
    for (const group of moved) {
      const wasWorst = group.worst;
      refreshGroup(group);
      const opens =
        group.worst < wasWorst &&
        group.worst <= statusRank.unknown &&
        group.userOpen === undefined &&
        !group.open;
      if (opens) setOpen(group, true);
      else renderRows(group);
    }
    // A group that moved up (it turned critical) must show the rows now in view.
    orderGroups();
    refreshWindows();
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

  /** Moves the windows of the open long groups to what is on screen now (after a scroll or a reorder). */
  const refreshWindows = () => {
    for (const group of groups.values()) {
      if (!group.open || !group.tbody || group.matching.length <= windowThreshold) continue;
      const win = visibleWindow(group.tbody, group.matching.length);
      if (win.start !== group.window.start || win.end !== group.window.end) renderRows(group);
    }
  };
  // Scrolling moves the windows, at most once a frame.
  let scrollFrame: number | undefined;
  const onScroll = () => {
    if (scrollFrame !== undefined) return;
    scrollFrame = requestAnimationFrame(() => {
      scrollFrame = undefined;
      refreshWindows();
    });
  };
  addEventListener("scroll", onScroll, { passive: true });
  addEventListener("resize", onScroll, { passive: true });

  // "since" stays true without a re-render of everything: only the rows on the page are touched.
  const clock = setInterval(() => {
    for (const group of groups.values())
      for (const [k, tr] of group.rendered) {
        const row = store.rows.get(k);
        if (row) fillSince(tr, row);
      }
  }, 15_000);

  root.setAttribute("aria-busy", "true");
  if (store.loaded) rebuild();
  const unsubscribe = store.subscribe((rows, full) => (full ? rebuild() : onChanges(rows)));
  return () => {
    unsubscribe();
    unwire();
    clearInterval(clock);
    removeEventListener("scroll", onScroll);
    removeEventListener("resize", onScroll);
    if (frame !== undefined) cancelAnimationFrame(frame);
    if (scrollFrame !== undefined) cancelAnimationFrame(scrollFrame);
  };
}
