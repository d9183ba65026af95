import type { Actor } from "./commands.js";
import type { ApplyResult, Reducer } from "./reducer.js";
import { closingStatuses, type StatusNoteRecord, type StatusPageRecord } from "./statusPageSchema.js";

/** Closed notes (resolved incidents, completed maintenance) are kept this long, for the JSON form and the API. */
export const closedNotesKeptMs = 90 * 86_400_000;
/** At most this many closed notes are kept per page (the newest). */
export const closedNotesKept = 200;
/** At most this many open notes per page: a page with more is a page nobody reads. */
export const openNotesMax = 50;
/** At most this many updates per note. */
export const noteUpdatesMax = 100;

/** What a snapshot keeps of the status pages. */
export interface StatusPagesSnapshot {
  pages: StatusPageRecord[];
  notes: StatusNoteRecord[];
}

/**
 * The configured status pages and their notes (incidents, maintenance, announcements): replicated
 * configuration, so every node serves every page the same.
 */
export class StatusPageBook {
  readonly #pages = new Map<string, StatusPageRecord>();
  readonly #notes = new Map<string, StatusNoteRecord>();

  /** One page. */
  get(slug: string): StatusPageRecord | undefined {
    return this.#pages.get(slug);
  }

  /** Every page, by slug. */
  list(): StatusPageRecord[] {
    return [...this.#pages.values()].sort((a, b) => a.slug.localeCompare(b.slug));
  }

  /** A page's notes, newest first. */
  notes(slug: string): StatusNoteRecord[] {
    return [...this.#notes.values()]
      .filter((n) => n.page === slug)
      .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  }

  /** One note of a page. */
  note(slug: string, id: string): StatusNoteRecord | undefined {
    const note = this.#notes.get(id);
    return note?.page === slug ? note : undefined;
  }

  setPage(page: StatusPageRecord): void {
    this.#pages.set(page.slug, page);
  }

  /** Forgets a page and its notes. */
  deletePage(slug: string): void {
    this.#pages.delete(slug);
    for (const note of this.notes(slug)) this.#notes.delete(note.id);
  }

  setNote(note: StatusNoteRecord): void {
    this.#notes.set(note.id, note);
  }

  deleteNote(id: string): void {
    this.#notes.delete(id);
  }

  /** Forgets a page's closed notes past {@link closedNotesKeptMs}, and past the newest {@link closedNotesKept}. */
  prune(slug: string, at: number): void {
    const closed = this.notes(slug).filter((n) => n.closedAt !== undefined);
    closed.forEach((note, i) => {
      if (i >= closedNotesKept || note.closedAt! < at - closedNotesKeptMs) this.#notes.delete(note.id);
    });
  }

  all(): StatusPagesSnapshot {
    return { pages: this.list(), notes: [...this.#notes.values()] };
  }

  restore(snapshot: StatusPagesSnapshot | undefined): void {
    this.#pages.clear();
    this.#notes.clear();
    for (const page of snapshot?.pages ?? []) this.#pages.set(page.slug, page);
    for (const note of snapshot?.notes ?? []) this.#notes.set(note.id, note);
  }
}

/**
 * Refuses a team token's change to a page of another team, or a page given to another team: the API
 * checked against its node's copy of the state, which another change may have overtaken.
 */
function refuseOtherTeam(actor: Actor | undefined, team: string, slug: string): ApplyResult | undefined {
  if (actor?.role === undefined || actor.role === "admin" || actor.team === team) return undefined;
  return {
    ok: false,
    code: "AMS_ERR_AUTH_TEAM",
    reason: `status page "${slug}" is team "${team}"'s`,
  };
}

/** `statuspage.put`: creates or replaces a page; refused when it is (or would become) another team's. */
export const putStatusPage: Reducer<"statuspage.put"> = (state, command, index) => {
  const { page } = command;
  const existing = state.statusPages.get(page.slug);
  const refused =
    (existing && refuseOtherTeam(command.actor, existing.team, page.slug)) ??
    refuseOtherTeam(command.actor, page.team, page.slug);
  if (refused) return refused;
  state.statusPages.setPage({
    ...page,
    createdAt: existing?.createdAt ?? command.at,
    updatedAt: command.at,
    updatedBy: command.actor?.name ?? "unknown",
  });
  state.audit.record(index, command.at, "statuspage.put", command.actor, {
    target: page.slug,
    teams: [...new Set([page.team, existing?.team ?? page.team])],
    detail: existing ? "replaced" : "created",
  });
  return { ok: true };
};

/** `statuspage.delete`: forgets a page and its notes. */
export const deleteStatusPage: Reducer<"statuspage.delete"> = (state, command, index) => {
  const page = state.statusPages.get(command.slug);
  if (!page) return { ok: false, reason: `no status page "${command.slug}"` };
  const refused = refuseOtherTeam(command.actor, page.team, page.slug);
  if (refused) return refused;
  state.statusPages.deletePage(page.slug);
  state.audit.record(index, command.at, "statuspage.delete", command.actor, {
    target: page.slug,
    teams: [page.team],
  });
  return { ok: true };
};

/** `statusnote.post`: a new incident, maintenance or announcement on a page, with its first update. */
export const postStatusNote: Reducer<"statusnote.post"> = (state, command, index) => {
  const page = state.statusPages.get(command.slug);
  if (!page) return { ok: false, reason: `no status page "${command.slug}"` };
  const refused = refuseOtherTeam(command.actor, page.team, page.slug);
  if (refused) return refused;
  const open = state.statusPages.notes(page.slug).filter((n) => n.closedAt === undefined);
  const { note } = command;
  const closes = closingStatuses.includes(note.status);
  if (!closes && open.length >= openNotesMax) {
    return {
      ok: false,
      code: "AMS_ERR_REQUEST_INVALID",
      reason: `status page "${page.slug}" has ${open.length} open notes already; resolve some first`,
    };
  }
  const record: StatusNoteRecord = {
    id: state.transitionId(index),
    page: page.slug,
    kind: note.kind,
    title: note.title,
    impact: note.impact,
    status: note.status,
    components: note.components,
    ...(note.startsAt !== undefined && { startsAt: note.startsAt }),
    ...(note.endsAt !== undefined && { endsAt: note.endsAt }),
    createdAt: command.at,
    updatedAt: command.at,
    ...(closes && { closedAt: command.at }),
    updates: [{ at: command.at, status: note.status, message: note.message, by: command.by }],
  };
  state.statusPages.setNote(record);
  state.statusPages.prune(page.slug, command.at);
  state.audit.record(index, command.at, "statusnote.post", command.actor, {
    target: `${page.slug}/${record.id}`,
    teams: [page.team],
    detail: `${note.kind}: ${note.title}`.slice(0, 500),
  });
  return { ok: true, note: record };
};

/** `statusnote.update`: appends an update to a note, which may change its status, impact or title. */
export const updateStatusNote: Reducer<"statusnote.update"> = (state, command, index) => {
  const page = state.statusPages.get(command.slug);
  const note = page && state.statusPages.note(page.slug, command.id);
  if (!page || !note) return { ok: false, reason: `no note "${command.id}" on page "${command.slug}"` };
  const refused = refuseOtherTeam(command.actor, page.team, page.slug);
  if (refused) return refused;
  if (note.updates.length >= noteUpdatesMax) {
    return {
      ok: false,
      code: "AMS_ERR_REQUEST_INVALID",
      reason: `note "${note.id}" has ${noteUpdatesMax} updates already; post a new one`,
    };
  }
  const status = command.status ?? note.status;
  const closes = closingStatuses.includes(status);
  const updated: StatusNoteRecord = {
    ...note,
    status,
    impact: command.impact ?? note.impact,
    title: command.title ?? note.title,
    updatedAt: command.at,
    updates: [...note.updates, { at: command.at, status, message: command.message, by: command.by }],
  };
  // A note reopened (resolved, then investigating again) is open again; one closed keeps its first close.
  if (!closes) delete updated.closedAt;
  else updated.closedAt = note.closedAt ?? command.at;
  state.statusPages.setNote(updated);
  state.statusPages.prune(page.slug, command.at);
  state.audit.record(index, command.at, "statusnote.update", command.actor, {
    target: `${page.slug}/${note.id}`,
    teams: [page.team],
    detail: status,
  });
  return { ok: true, note: updated };
};

/** `statusnote.delete`: removes a note posted by mistake. */
export const deleteStatusNote: Reducer<"statusnote.delete"> = (state, command, index) => {
  const page = state.statusPages.get(command.slug);
  const note = page && state.statusPages.note(page.slug, command.id);
  if (!page || !note) return { ok: false, reason: `no note "${command.id}" on page "${command.slug}"` };
  const refused = refuseOtherTeam(command.actor, page.team, page.slug);
  if (refused) return refused;
  state.statusPages.deleteNote(note.id);
  state.audit.record(index, command.at, "statusnote.delete", command.actor, {
    target: `${page.slug}/${note.id}`,
    teams: [page.team],
  });
  return { ok: true };
};
