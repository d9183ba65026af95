import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { requireRole } from "../../access/access.js";
import {
  impactSchema,
  type NoteKind,
  noteStatuses,
  noteStatusSchema,
  type StatusPageRecord,
  statusFits,
  statusNoteRecordSchema,
} from "../../state/statusPageSchema.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errors, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { actorOf, refusal } from "../writes.js";
import { pageOr404, requirePageRights } from "./statusPages.js";

const noteView = statusNoteRecordSchema;

const time = z.union([z.number().int(), z.iso.datetime({ offset: true })]);
const toMs = (value: number | string) => (typeof value === "number" ? value : Date.parse(value));

const firstStatus: Record<NoteKind, string> = {
  incident: "investigating",
  maintenance: "scheduled",
  announcement: "active",
};

const postBodySchema = z
  .strictObject({
    kind: z.enum(["incident", "maintenance", "announcement"]).default("incident"),
    title: z.string().trim().min(1).max(200),
    /** @default "minor" for an incident, "none" otherwise */
    impact: impactSchema.optional(),
    /** @default the kind's first: investigating, scheduled, active */
    status: noteStatusSchema.optional(),
    message: z.string().trim().min(1).max(5_000),
    /** The names of the page's components it concerns. */
    components: z.array(z.string().trim().min(1).max(120)).max(100).default([]),
    /** Maintenance: when it starts and ends, ms since the epoch or ISO 8601. */
    startsAt: time.optional(),
    endsAt: time.optional(),
    /** Who posts it, for the record (never shown). @default the token's name */
    by: z.string().trim().min(1).max(200).optional(),
  })
  .refine((b) => b.status === undefined || statusFits(b.kind, b.status), {
    message: `a status of its kind: ${Object.entries(noteStatuses)
      .map(([k, s]) => `${k}: ${s.join(", ")}`)
      .join("; ")}`,
    path: ["status"],
  });

const updateBodySchema = z.strictObject({
  status: noteStatusSchema.optional(),
  impact: impactSchema.optional(),
  title: z.string().trim().min(1).max(200).optional(),
  message: z.string().trim().min(1).max(5_000),
  by: z.string().trim().min(1).max(200).optional(),
});

const params = z.object({ slug: segment("The page's slug") });
const noteParams = params.extend({ id: segment("The note's id") });

const list = createRoute({
  method: "get",
  path: "/status-pages/{slug}/incidents",
  tags: ["status pages"],
  summary: "A page's incidents, maintenance and announcements (closed ones kept 90 days), newest first",
  request: { params },
  responses: { 200: json(z.array(noteView), "The notes"), ...errors(401, 404) },
});

const post = createRoute({
  method: "post",
  path: "/status-pages/{slug}/incidents",
  tags: ["status pages"],
  summary: "Post an incident, maintenance or announcement on a page (operate tokens of its team)",
  request: { params, body: { content: { "application/json": { schema: postBodySchema } }, required: true } },
  responses: { 201: json(noteView, "Posted"), ...errors(400, 401, 403, 404, 503) },
});

const update = createRoute({
  method: "post",
  path: "/status-pages/{slug}/incidents/{id}/updates",
  tags: ["status pages"],
  summary: "Add an update to a note, changing its status, impact or title (operate tokens of its team)",
  request: {
    params: noteParams,
    body: { content: { "application/json": { schema: updateBodySchema } }, required: true },
  },
  responses: { 200: json(noteView, "Updated"), ...errors(400, 401, 403, 404, 503) },
});

const remove = createRoute({
  method: "delete",
  path: "/status-pages/{slug}/incidents/{id}",
  tags: ["status pages"],
  summary: "Delete a note posted by mistake (operate tokens of its team)",
  request: { params: noteParams },
  responses: { 200: json(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404, 503) },
});

/** Refuses component names the page does not have: a misspelt one would mark nothing. */
function checkComponents(page: StatusPageRecord, names: readonly string[]): void {
  const known = page.groups.flatMap((g) => g.components.map((c) => c.name));
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `No component ${unknown.map((n) => `"${n}"`).join(", ")} on page "${page.slug}" (components: ${known.map((n) => `"${n}"`).join(", ")}).`,
    );
  }
}

const notFound = (slug: string, id: string) =>
  new AmstaffError("AMS_ERR_STATUS_PAGE_NOT_FOUND", `No note "${id}" on status page "${slug}".`);

/**
 * `GET|POST /status-pages/{slug}/incidents`, `POST …/incidents/{id}/updates`, `DELETE …/incidents/{id}`:
 * the notes a page shows. Posting is on-call work, like acknowledging: an operate token of the page's
 * team (or an admin).
 */
export function statusNoteRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  app.openapi(list, (c) => {
    const { slug } = c.req.valid("param");
    pageOr404(machine, slug);
    return c.json(machine.statusNotes(slug), 200);
  });

  app.openapi(bodyReadByHandler(app, post), async (c) => {
    const caller = c.get("caller");
    requireRole(caller, "operate", "post on status pages");
    const { slug } = c.req.valid("param");
    const page = pageOr404(machine, slug);
    requirePageRights(caller, "operate", "post on it", page.team);
    const body = await readJson(c, postBodySchema, {
      what: "note",
      hint: 'Example: {"title": "Checkout errors", "impact": "major", "message": "We are looking into it."}.',
    });
    checkComponents(page, body.components);
    const startsAt = body.startsAt === undefined ? undefined : toMs(body.startsAt);
    const endsAt = body.endsAt === undefined ? undefined : toMs(body.endsAt);
    if (startsAt !== undefined && endsAt !== undefined && endsAt <= startsAt) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The note ends before it starts.");
    }
    const applied = await log.propose({
      type: "statusnote.post",
      slug,
      note: {
        kind: body.kind,
        title: body.title,
        impact: body.impact ?? (body.kind === "incident" ? "minor" : "none"),
        status: body.status ?? firstStatus[body.kind],
        message: body.message,
        components: body.components,
        ...(startsAt !== undefined && { startsAt }),
        ...(endsAt !== undefined && { endsAt }),
      },
      by: body.by ?? caller.name,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok || !applied.note) {
      throw (
        (!applied.ok && refusal(applied, "Not posted")) ||
        new AmstaffError(
          (!applied.ok && applied.code) || "AMS_ERR_REQUEST_INVALID",
          `Not posted: ${applied.ok ? "no note" : applied.reason}.`,
        )
      );
    }
    return c.json(applied.note, 201);
  });

  app.openapi(bodyReadByHandler(app, update), async (c) => {
    const caller = c.get("caller");
    requireRole(caller, "operate", "update status page notes");
    const { slug, id } = c.req.valid("param");
    const page = pageOr404(machine, slug);
    requirePageRights(caller, "operate", "update its notes", page.team);
    const note = machine.statusNotes(slug).find((n) => n.id === id);
    if (!note) throw notFound(slug, id);
    const body = await readJson(c, updateBodySchema, {
      what: "update",
      hint: 'Example: {"status": "resolved", "message": "Fixed by a rollback."}.',
    });
    if (body.status !== undefined && !statusFits(note.kind, body.status)) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `"${body.status}" is not a status of a ${note.kind} (${noteStatuses[note.kind].join(", ")}).`,
      );
    }
    const applied = await log.propose({
      type: "statusnote.update",
      slug,
      id,
      ...(body.status !== undefined && { status: body.status }),
      ...(body.impact !== undefined && { impact: body.impact }),
      ...(body.title !== undefined && { title: body.title }),
      message: body.message,
      by: body.by ?? caller.name,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok || !applied.note) {
      throw (
        (!applied.ok && refusal(applied, "Not updated")) ||
        (!applied.ok && applied.code
          ? new AmstaffError(applied.code, `Not updated: ${applied.reason}.`)
          : notFound(slug, id))
      );
    }
    return c.json(applied.note, 200);
  });

  app.openapi(remove, async (c) => {
    const caller = c.get("caller");
    requireRole(caller, "operate", "delete status page notes");
    const { slug, id } = c.req.valid("param");
    requirePageRights(caller, "operate", "delete its notes", pageOr404(machine, slug).team);
    const applied = await log.propose({
      type: "statusnote.delete",
      slug,
      id,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) throw refusal(applied, "Not deleted") ?? notFound(slug, id);
    return c.json({ deleted: id }, 200);
  });
}
