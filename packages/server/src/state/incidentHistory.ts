import type { MonitorStatus, SampleStatus, Silence } from "@amstaff/core";
import {
  type IncidentActor,
  type IncidentEvent,
  type IncidentFacts,
  incidentEvents,
  resolvedAt,
  worstOf,
} from "./incidentEvents.js";
import type { DeliveryRecord, MonitorRecord, StoredModule, TransitionRecord } from "./records.js";

/** Where an incident stands: open and nobody took it, acknowledged, or over. */
export const incidentStates = ["open", "acknowledged", "resolved"] as const;

/** Where an incident stands; see {@link incidentStates}. */
export type IncidentStateName = (typeof incidentStates)[number];

/** One incident (a failing episode of one monitor) with its timeline, as `GET /incidents` shows it. */
export interface IncidentSummary {
  /** The incident's key: the id of the transition that opened it, stable for its whole life. */
  key: string;
  module: string;
  monitor: string;
  /** The team of the monitor's module: its operate, write and admin tokens may act on the incident. */
  team: string;
  tags: string[];
  state: IncidentStateName;
  /** The monitor's status now, for an open incident; `ok` once resolved. */
  status: MonitorStatus;
  /** The worst failing status it reached. */
  worst: SampleStatus;
  openedAt: number;
  resolvedAt: number | null;
  /** The acknowledgement that holds (open) or held last (resolved). */
  acknowledged: (IncidentActor & { at: number }) | null;
  /** False when its oldest events are no longer kept (the monitor keeps its newest transitions only). */
  complete: boolean;
  events: IncidentEvent[];
}

/** What the incident history reads: the state machine's own read methods. */
export interface IncidentSource {
  modules(): StoredModule[];
  monitor(module: string, monitor: string): MonitorRecord | undefined;
  transitionsOf(module: string, monitor: string): TransitionRecord[];
  deliveriesOf(transitionId: string): DeliveryRecord[];
  silences(): Silence[];
}

/** Which incidents, and which page of them. */
export interface IncidentQuery {
  module?: string | undefined;
  monitor?: string | undefined;
  team?: string | undefined;
  /** Any of these states; absent: all. */
  states?: readonly IncidentStateName[] | undefined;
  /** The page's size. */
  limit: number;
  /** The `next` of the previous page: only incidents that come after it (older). */
  after?: string | undefined;
}

type Found = IncidentFacts & {
  team: string;
  tags: string[];
  state: IncidentStateName;
  status: MonitorStatus;
};

/** The place of an incident in the newest-first order, as a page cursor: `<openedAt>~<key>`. */
const cursorOf = (i: { openedAt: number; key: string }) => `${i.openedAt}~${i.key}`;

function parseCursor(cursor: string): { openedAt: number; key: string } | undefined {
  const split = cursor.indexOf("~");
  const openedAt = Number(cursor.slice(0, split));
  if (split < 1 || !Number.isSafeInteger(openedAt)) return undefined;
  return { openedAt, key: cursor.slice(split + 1) };
}

/** Newest first; incidents opened in the same millisecond by key, so that the order (and paging) is total. */
const newestFirst = (a: { openedAt: number; key: string }, b: { openedAt: number; key: string }) =>
  b.openedAt - a.openedAt || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);

/** The incidents of one monitor whose transitions are kept, and its open one. */
function incidentsOfMonitor(
  source: IncidentSource,
  module: StoredModule,
  definition: StoredModule["definition"]["monitors"][number],
): Found[] {
  const transitions = source.transitionsOf(module.name, definition.name);
  const record = source.monitor(module.name, definition.name);
  if (transitions.length === 0 && !record?.incident) return [];
  const byKey = new Map<string, TransitionRecord[]>();
  for (const t of transitions) {
    if (!t.incident) continue;
    const list = byKey.get(t.incident.key);
    if (list) list.push(t);
    else byKey.set(t.incident.key, [t]);
  }
  const open = record?.incident;
  if (open && !byKey.has(open.key)) byKey.set(open.key, []);
  return [...byKey].map(([key, transitions]) => {
    const isOpen = open?.key === key ? open : undefined;
    return {
      key,
      openedAt: isOpen?.openedAt ?? transitions[0]!.incident!.openedAt,
      transitions,
      open: isOpen,
      module: module.name,
      definition,
      team: module.team,
      tags: definition.tags,
      state: !isOpen ? "resolved" : isOpen.acknowledged ? "acknowledged" : "open",
      status: isOpen ? (record?.status ?? "unknown") : "ok",
    };
  });
}

/** An incident with its timeline. */
function describe(found: Found, source: IncidentSource, silences: Silence[]): IncidentSummary {
  const events = incidentEvents(found, (id) => source.deliveriesOf(id), silences);
  const ack = events.findLast((e) => e.type === "acknowledged");
  return {
    key: found.key,
    module: found.module,
    monitor: found.definition.name,
    team: found.team,
    tags: found.tags,
    state: found.state,
    status: found.status,
    worst: worstOf(found),
    openedAt: found.openedAt,
    resolvedAt: resolvedAt(found),
    acknowledged:
      ack?.by && found.state !== "open" ? { name: ack.by.name, team: ack.by.team, at: ack.at } : null,
    complete: found.transitions[0]?.id === found.key,
    events,
  };
}

/**
 * Open and recent incidents, newest first, one page at a time: derived from what the state keeps (each
 * monitor's newest transitions with their deliveries, its open incident, the silences), so nothing is
 * added to the log to read them. Incidents of removed monitors are gone with their transitions.
 */
export function listIncidents(
  source: IncidentSource,
  query: IncidentQuery,
): { incidents: IncidentSummary[]; next: string | null } {
  const after = query.after === undefined ? undefined : parseCursor(query.after);
  const found: Found[] = [];
  for (const module of source.modules()) {
    if (query.module !== undefined && module.name !== query.module) continue;
    if (query.team !== undefined && module.team !== query.team) continue;
    for (const definition of module.definition.monitors) {
      if (query.monitor !== undefined && definition.name !== query.monitor) continue;
      for (const incident of incidentsOfMonitor(source, module, definition)) {
        if (query.states && !query.states.includes(incident.state)) continue;
        if (after && newestFirst(after, incident) >= 0) continue;
        found.push(incident);
      }
    }
  }
  found.sort(newestFirst);
  const page = found.slice(0, query.limit);
  const silences = source.silences();
  return {
    incidents: page.map((f) => describe(f, source, silences)),
    next: found.length > query.limit ? cursorOf(page.at(-1)!) : null,
  };
}

/** Whether a cursor is one {@link listIncidents} gave. */
export const isIncidentCursor = (cursor: string) => parseCursor(cursor) !== undefined;
