import "./incidents.css";
import { AmstaffApiError } from "../../src/client/client.js";
import {
  expireButton,
  type Me,
  maintenanceForm,
  mayOperate,
  type SilenceView,
  silenceForm,
  whoami,
} from "./actions.js";
import { api } from "./api.js";
import { dataTable, h, replace } from "./dom.js";
import { dateTime } from "./format.js";
import { type Incident, incidentCard } from "./incidentTimeline.js";
import { store } from "./store.js";
import { keyOf, type Row } from "./types.js";

/** How many resolved incidents the page shows at first, and how many more each "Show older" adds. */
const recentStep = 20;

/** Whether a live change may have changed an incident: a status, an acknowledgement, a suppression. */
const incidentChanged = (before: Row | undefined, after: Row) =>
  !before ||
  before.s !== after.s ||
  before.since !== after.since ||
  before.ack !== after.ack ||
  before.sup !== after.sup;

/**
 * Calls `load` again when live changes touch the monitors `relevant` selects: at most once a second, and
 * not while someone has a form of `container` open (a re-render would throw away what they typed); right
 * away after an action of this page (`now`). Returns the trigger and the unsubscribe.
 */
function reloader(load: () => Promise<void>, relevant: (row: Row) => boolean, container: HTMLElement) {
  const seen = new Map<string, Row>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const now = () => {
    clearTimeout(timer);
    timer = undefined;
    // A re-render replaces the element that has the focus: give it back to the same incident (or section).
    const focused = document.activeElement;
    const inside = focused !== null && container.contains(focused);
    const key = focused?.closest<HTMLElement>("[data-key]")?.dataset.key;
    void load().then(() => {
      if (!inside || (document.activeElement && container.contains(document.activeElement))) return;
      const card =
        key === undefined ? null : container.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
      const target = card?.querySelector<HTMLElement>("a") ?? container.querySelector<HTMLElement>("h1, h2");
      target?.focus();
    });
  };
  const later = () => {
    if (container.querySelector("details.action[open]")) timer = setTimeout(later, 1_000);
    else now();
  };
  for (const [key, row] of store.rows) seen.set(key, row);
  const unsubscribe = store.subscribe((rows, full) => {
    let changed = false;
    for (const row of full ? store.rows.values() : rows) {
      if (!relevant(row)) continue;
      const key = keyOf(row.m, row.n);
      if (incidentChanged(seen.get(key), row)) changed = true;
      seen.set(key, row);
    }
    if (changed && timer === undefined) timer = setTimeout(later, 1_000);
  });
  const stop = () => {
    clearTimeout(timer);
    unsubscribe();
  };
  return { now, stop };
}

const scopeText = (s: SilenceView) =>
  `${s.module ?? "every module"}${s.scope.monitors ? ` / ${s.scope.monitors.join(", ")}` : ""}${
    s.scope.tags ? ` ${s.scope.tags.map((t) => `#${t}`).join(" ")}` : ""
  }`;

/** The silences in force or still to come, with Expire (or Cancel) where the token may end them. */
function silencesTable(
  silences: SilenceView[],
  me: Me,
  teamOf: (module: string) => string | undefined,
  changed: () => void,
) {
  const now = Date.now();
  const current = silences.filter((s) => s.until > now).sort((a, b) => a.from - b.from);
  if (current.length === 0)
    return h("p", { className: "empty" }, "No silence or maintenance in force or scheduled.");
  const mayEnd = (s: SilenceView) => mayOperate(me, s.module === undefined ? undefined : teamOf(s.module));
  // The Actions column only for a token that may end one of them: a read-only token sees none.
  const actions = current.some(mayEnd);
  return dataTable(
    ["Covers", "From", "Until", "By", "Comment", ...(actions ? ["Actions"] : [])],
    current.map((s) => [
      scopeText(s),
      s.from > now ? `${dateTime(s.from)} (scheduled)` : dateTime(s.from),
      dateTime(s.until),
      s.by,
      s.reason || "—",
      ...(actions ? [mayEnd(s) ? expireButton(s, changed) : null] : []),
    ]),
  );
}

const failure = (error: unknown) =>
  h(
    "p",
    { className: "error", role: "alert" },
    error instanceof AmstaffApiError ? error.message : (error as Error).message,
  );

const teams = new Map<string, Promise<string | undefined>>();

/** The team of a module (undefined once it is gone), asked once per page load. */
function teamOf(module: string): Promise<string | undefined> {
  let team = teams.get(module);
  if (!team) {
    team = api.call("get", "/modules/{name}", { path: { name: module } }).then(
      (m) => m.team,
      () => undefined,
    );
    teams.set(module, team);
  }
  return team;
}

/** The Incidents page: open incidents first, then recent ones, each with its timeline; then silences. */
export function renderIncidents(root: HTMLElement): () => void {
  // A module's team changes only by an admin's move: asked again on each visit of the page.
  teams.clear();
  const open = h("div", { className: "incident-list" });
  const recent = h("div", { className: "incident-list" });
  const silences = h("div");
  replace(
    root,
    h("h1", null, "Incidents"),
    h("section", { "aria-labelledby": "h-open" }, h("h2", { id: "h-open" }, "Open"), open),
    h("section", { "aria-labelledby": "h-recent" }, h("h2", { id: "h-recent" }, "Recently resolved"), recent),
    h(
      "section",
      { "aria-labelledby": "h-silences" },
      h("h2", { id: "h-silences" }, "Silences and maintenance"),
      silences,
    ),
  );
  let stopped = false;
  let recentShown = recentStep;
  const load = async () => {
    try {
      const [me, opened, resolved, listed] = await Promise.all([
        whoami(),
        api.call("get", "/incidents", { query: { state: "open,acknowledged", limit: "500" } }),
        api.call("get", "/incidents", { query: { state: "resolved", limit: String(recentShown) } }),
        api.call("get", "/silences", { query: { all: "true" } }),
      ]);
      const modules = [...new Set(listed.flatMap((s) => (s.module === undefined ? [] : [s.module])))];
      const teams = new Map(await Promise.all(modules.map(async (m) => [m, await teamOf(m)] as const)));
      if (stopped) return;
      const cards = (list: Incident[], empty: string) =>
        list.length === 0
          ? h("p", { className: "empty" }, empty)
          : list.map((i) => incidentCard(i, { me, headingLevel: "h3", changed: reload.now }));
      replace(
        open,
        cards(opened.incidents, "No open incident. All quiet."),
        opened.next === null
          ? null
          : h("p", { className: "note" }, `The ${opened.incidents.length} newest open incidents are shown.`),
      );
      const older = h("button", { type: "button" }, "Show older");
      older.addEventListener("click", () => {
        recentShown = Math.min(500, recentShown + recentStep);
        reload.now();
      });
      replace(
        recent,
        cards(resolved.incidents, "No incident resolved recently."),
        resolved.next !== null && recentShown < 500 ? older : null,
      );
      replace(
        silences,
        silencesTable(listed, me, (m) => teams.get(m), reload.now),
      );
    } catch (error) {
      if (!stopped) replace(open, failure(error));
    }
  };
  const reload = reloader(load, () => true, root);
  void load();
  return () => {
    stopped = true;
    reload.stop();
  };
}

/**
 * The monitor page's incidents: this monitor's open and recent incidents with their timelines, the
 * silences covering it, and Silence / Schedule maintenance for tokens allowed to. It stops updating by
 * itself once the page is left (the next route change), so the monitor page only places it.
 */
export function monitorIncidents(module: string, monitor: string): HTMLElement {
  const body = h("div", { className: "incident-list" });
  const element = h(
    "section",
    { "aria-labelledby": "h-monitor-incidents", className: "monitor-incidents" },
    h("h2", { id: "h-monitor-incidents" }, "Incidents"),
    body,
  );
  let stopped = false;
  const load = async () => {
    try {
      const [me, page, listed, stored] = await Promise.all([
        whoami(),
        api.call("get", "/incidents", { query: { module, monitor, limit: "10" } }),
        api.call("get", "/silences", { query: { all: "true" } }),
        api.call("get", "/modules/{name}", { path: { name: module } }),
      ]);
      if (stopped || !element.isConnected) return stop();
      const allowed = mayOperate(me, stored.team);
      const { monitors } = stored.definition as { monitors: { name: string; tags: string[] }[] };
      const tags = monitors.find((m) => m.name === monitor)?.tags ?? [];
      // A silence covers the monitor when it names it or one of its tags, or names neither.
      const covering = listed.filter(
        ({ module: m, scope }) =>
          (m === undefined || m === module) &&
          ((scope.monitors === undefined && scope.tags === undefined) ||
            scope.monitors?.includes(monitor) === true ||
            scope.tags?.some((t) => tags.includes(t)) === true),
      );
      replace(
        body,
        allowed
          ? h(
              "div",
              { className: "actions", role: "group", "aria-label": `Actions on ${monitor}` },
              silenceForm({ module, monitor }, reload.now),
              maintenanceForm({ module, monitor }, reload.now),
            )
          : null,
        page.incidents.length === 0
          ? h("p", { className: "empty" }, "No incident kept for this monitor.")
          : page.incidents.map((i) =>
              incidentCard(i, { me, headingLevel: "h3", changed: reload.now, silenceActions: false }),
            ),
        h("h3", null, "Silences and maintenance"),
        silencesTable(covering, me, () => stored.team, reload.now),
      );
    } catch (error) {
      if (!stopped) replace(body, failure(error));
    }
  };
  const reload = reloader(load, (row) => row.m === module && row.n === monitor, element);
  const stop = () => {
    stopped = true;
    reload.stop();
    window.removeEventListener("hashchange", stop);
  };
  window.addEventListener("hashchange", stop);
  void load();
  return element;
}
