import type { MonitorStatus } from "@amstaff/core";
import { type DayCounts, dayMs, dayOf, dayUptime } from "../../runtime/dailyUptime.js";
import { monitorKey } from "../../state/monitorKey.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { type StatusNoteRecord, type StatusPageRecord, selects } from "../../state/statusPageSchema.js";

/** What the public sees of a status: a word, never the message behind it. */
export type PublicStatus = "ok" | "degraded" | "down" | "maintenance" | "no data";

/** A monitor's status, as a status page says it. */
export function publicStatus(status: MonitorStatus): PublicStatus {
  switch (status) {
    case "ok":
      return "ok";
    case "warning":
      return "degraded";
    case "critical":
      return "down";
    default:
      return "no data";
  }
}

/** The days of bars a page shows. */
export const barDays = 90;

/** A page ready to render: its components resolved to monitors. */
export interface ResolvedPage {
  /** `payments`, or `tag/public` for a page of the `--status-page` flag. */
  slug: string;
  title: string;
  description: string;
  /** The logo's URL (an external one, or the page's `/status/<slug>/logo`). */
  logo?: string | undefined;
  groups: { name: string; components: ResolvedComponent[] }[];
  showResolvedDays: number;
  notes: StatusNoteRecord[];
}

interface ResolvedComponent {
  name: string;
  description: string;
  monitors: { module: string; monitor: string }[];
}

/**
 * A configured page with its components' selectors resolved against the modules of the page's team
 * only: a page publishes its team's monitors and nothing of another team's.
 */
export function resolvePage(machine: StateMachine, page: StatusPageRecord): ResolvedPage {
  const modules = machine.modules().filter((m) => m.team === page.team);
  const select = (selectors: readonly string[]) =>
    modules.flatMap((module) =>
      module.definition.monitors
        .filter((d) => selectors.some((s) => selects(s, module.name, d.tags)))
        .map((d) => ({ module: module.name, monitor: d.name })),
    );
  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    logo: page.logo && ("url" in page.logo ? page.logo.url : `/status/${page.slug}/logo`),
    groups: page.groups.map((g) => ({
      name: g.name,
      components: g.components.map((c) => ({
        name: c.name,
        description: c.description,
        monitors: select(c.select),
      })),
    })),
    showResolvedDays: page.showResolvedDays,
    notes: machine.statusNotes(page.slug),
  };
}

/**
 * A page of the `--status-page` flag (`tag:<tag>` or `module:<name>`): one group per module, one
 * component per monitor, every team's.
 */
export function flagPage(machine: StateMachine, kind: "tag" | "module", name: string): ResolvedPage {
  const groups = machine.modules().flatMap((module) => {
    const monitors = module.definition.monitors.filter((d) =>
      kind === "tag" ? d.tags.includes(name) : module.name === name,
    );
    if (monitors.length === 0) return [];
    return [
      {
        name: module.name,
        components: monitors.map((d) => ({
          name: d.name,
          description: "",
          monitors: [{ module: module.name, monitor: d.name }],
        })),
      },
    ];
  });
  return {
    slug: `${kind}/${name}`,
    title: kind === "module" ? `${name} status` : `Status: ${name}`,
    description: "",
    groups,
    showResolvedDays: 7,
    notes: [],
  };
}

/** Every monitor a page shows. */
export const pageMonitors = (page: ResolvedPage) =>
  page.groups.flatMap((g) => g.components.flatMap((c) => c.monitors));

/** One day of a component's bar. */
export interface PublicDay {
  /** `2026-12-05` (UTC). */
  date: string;
  /** The share of samples up that day, 0 to 1; null without samples. */
  uptime: number | null;
}

/** A component as the page and its JSON form show it. */
export interface PublicComponent {
  name: string;
  description: string;
  status: PublicStatus;
  /** Over the last 30 and 90 days (today included), 0 to 1; null without samples. */
  uptime: { "30d": number | null; "90d": number | null };
  /** The last {@link barDays} UTC days, oldest first. */
  days: PublicDay[];
}

/** A note as the public sees it: no token names. */
export interface PublicNote {
  id: string;
  kind: StatusNoteRecord["kind"];
  title: string;
  impact: StatusNoteRecord["impact"];
  status: string;
  components: string[];
  startsAt?: string;
  endsAt?: string;
  createdAt: string;
  updatedAt: string;
  resolvedAt?: string;
  /** Newest first. */
  updates: { at: string; status: string; message: string }[];
}

/** The JSON form of a page (`/status/<slug>.json`), which its HTML shows. */
export interface PublicPage {
  slug: string;
  title: string;
  description: string;
  logo: string | null;
  status: PublicStatus;
  summary: string;
  updatedAt: string;
  groups: { name: string; status: PublicStatus; components: PublicComponent[] }[];
  /** Open incidents, announcements, maintenance, then notes closed in the last `showResolvedDays`; each newest first. */
  notes: PublicNote[];
}

const rank: Record<PublicStatus, number> = { down: 4, degraded: 3, maintenance: 2, "no data": 1, ok: 0 };

/** The worst of some statuses; "no data" when there are none, and "ok" only when all are. */
export function worstOf(statuses: readonly PublicStatus[]): PublicStatus {
  if (statuses.length === 0) return "no data";
  return statuses.reduce((a, b) => (rank[b] > rank[a] ? b : a), "ok" as PublicStatus);
}

const summaries: Record<PublicStatus, string> = {
  ok: "All systems operational",
  degraded: "Some systems degraded",
  down: "Some systems down",
  maintenance: "Maintenance in progress",
  "no data": "Status not known yet",
};

/** Open incidents first, then announcements, then maintenance; closed notes last. */
const noteRank = (n: StatusNoteRecord) =>
  n.closedAt !== undefined ? 3 : { incident: 0, announcement: 1, maintenance: 2 }[n.kind];

const iso = (t: number) => new Date(t).toISOString();

/**
 * Share of samples up over a window, averaged over the component's monitors (each monitor weighs the
 * same, whatever its sampling rate); null when none has samples in it.
 */
export function windowUptime(perMonitor: readonly DayCounts[][], fromDay: number): number | null {
  const shares = perMonitor.flatMap((days) => {
    const total: DayCounts = [0, 0, 0, 0, 0];
    for (const d of days) if (d[0] >= fromDay) for (let i = 1; i < 5; i++) total[i]! += d[i]!;
    const share = dayUptime(total);
    return share === undefined ? [] : [share];
  });
  return shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length;
}

/** Builds a page's public form from the state, its monitors' days (by {@link monitorKey}) and the time. */
export function publicPage(
  machine: StateMachine,
  page: ResolvedPage,
  days: ReadonlyMap<string, DayCounts[]>,
  now: number,
): PublicPage {
  const today = dayOf(now);
  const inMaintenance = new Set(
    page.notes
      .filter((n) => n.kind === "maintenance" && n.status === "in_progress")
      .flatMap((n) => n.components),
  );
  const groups = page.groups.map((group) => {
    const components = group.components.map((c): PublicComponent => {
      const perMonitor = c.monitors.map((m) => days.get(monitorKey(m.module, m.monitor)) ?? []);
      const statuses = c.monitors.map((m) =>
        publicStatus(machine.monitor(m.module, m.monitor)?.status ?? "pending"),
      );
      let status = worstOf(statuses);
      if (inMaintenance.has(c.name) && status !== "down") status = "maintenance";
      const byDay = perMonitor.map((rows) => new Map(rows.map((r) => [r[0], r])));
      const bars: PublicDay[] = [];
      for (let day = today - barDays + 1; day <= today; day++) {
        const shares = byDay.flatMap((rows) => {
          const share = dayUptime(rows.get(day));
          return share === undefined ? [] : [share];
        });
        bars.push({
          date: iso(day * dayMs).slice(0, 10),
          uptime: shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length,
        });
      }
      return {
        name: c.name,
        description: c.description,
        status,
        uptime: { "30d": windowUptime(perMonitor, today - 29), "90d": windowUptime(perMonitor, today - 89) },
        days: bars,
      };
    });
    return { name: group.name, status: worstOf(components.map((c) => c.status)), components };
  });
  const status = worstOf(groups.map((g) => g.status));
  const shownSince = now - page.showResolvedDays * dayMs;
  const notes = page.notes
    .filter((n) => n.closedAt === undefined || n.closedAt >= shownSince)
    .sort((a, b) => noteRank(a) - noteRank(b) || b.createdAt - a.createdAt)
    .map(
      (n): PublicNote => ({
        id: n.id,
        kind: n.kind,
        title: n.title,
        impact: n.impact,
        status: n.status,
        components: n.components,
        ...(n.startsAt !== undefined && { startsAt: iso(n.startsAt) }),
        ...(n.endsAt !== undefined && { endsAt: iso(n.endsAt) }),
        createdAt: iso(n.createdAt),
        updatedAt: iso(n.updatedAt),
        ...(n.closedAt !== undefined && { resolvedAt: iso(n.closedAt) }),
        updates: [...n.updates]
          .reverse()
          .map((u) => ({ at: iso(u.at), status: u.status, message: u.message })),
      }),
    );
  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    logo: page.logo ?? null,
    status,
    summary: summaries[status],
    updatedAt: iso(now),
    groups,
    notes,
  };
}
