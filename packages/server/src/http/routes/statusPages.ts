import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { type Principal, type Role, requireRole } from "../../access/access.js";
import type { StateMachine } from "../../state/stateMachine.js";
import {
  type StatusPageRecord,
  selects,
  slugSchema,
  statusPageInputSchema,
  statusPageRecordSchema,
} from "../../state/statusPageSchema.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errors, invalidInput, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { actorOf, refusal } from "../writes.js";

const pageView = statusPageRecordSchema;

const pageSummary = z
  .object({
    slug: z.string(),
    title: z.string(),
    team: z.string(),
    components: z.number().int(),
    url: z.string().openapi({ description: "The public page's path" }),
    updatedAt: z.number(),
    updatedBy: z.string(),
  })
  .openapi("StatusPageSummary");

const putResult = z
  .object({
    page: pageView,
    created: z.boolean(),
    /** Selectors that match no monitor of the page's team now (a misspelt tag or module). */
    warnings: z.array(z.string()),
  })
  .openapi("StatusPagePut");

const slugParam = z.object({ slug: segment("The page's slug") });

const list = createRoute({
  method: "get",
  path: "/status-pages",
  tags: ["status pages"],
  summary: "The configured status pages",
  responses: { 200: json(z.array(pageSummary), "The pages"), ...errors(401) },
});

const get = createRoute({
  method: "get",
  path: "/status-pages/{slug}",
  tags: ["status pages"],
  summary: "One status page's configuration",
  request: { params: slugParam },
  responses: { 200: json(pageView, "The page"), ...errors(401, 404) },
});

const put = createRoute({
  method: "put",
  path: "/status-pages/{slug}",
  tags: ["status pages"],
  summary: "Create or replace a status page (write tokens of its team, admins)",
  request: {
    params: slugParam,
    body: { content: { "application/json": { schema: statusPageInputSchema } }, required: true },
  },
  responses: {
    200: json(putResult, "Replaced"),
    201: json(putResult, "Created"),
    ...errors(400, 401, 403, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/status-pages/{slug}",
  tags: ["status pages"],
  summary: "Delete a status page and its notes (write tokens of its team, admins)",
  request: { params: slugParam },
  responses: { 200: json(z.object({ deleted: z.string() }), "Deleted"), ...errors(401, 403, 404, 503) },
});

/** A page, or the 404 that names the pages there are. */
export function pageOr404(machine: StateMachine, slug: string): StatusPageRecord {
  const page = machine.statusPage(slug);
  if (page) return page;
  const known = machine.statusPages().map((p) => `"${p.slug}"`);
  throw new AmstaffError(
    "AMS_ERR_STATUS_PAGE_NOT_FOUND",
    `No status page "${slug}"${known.length > 0 ? ` (pages: ${known.join(", ")})` : ""}.`,
  );
}

/**
 * Refuses a caller below `needed`, or of another team than the page's (admins may act on every team's):
 * a page is its team's, like a module.
 */
export function requirePageRights(caller: Principal, needed: Role, what: string, team: string): void {
  requireRole(caller, needed, what);
  if (caller.role === "admin" || caller.team === team) return;
  throw new AmstaffError(
    "AMS_ERR_AUTH_TEAM",
    `The status page is team "${team}"'s, and token "${caller.name}" is of team "${caller.team}": it may not ${what}. Use a token of team "${team}", or ask an admin.`,
    { details: { token: caller.name, team: caller.team, pageTeam: team } },
  );
}

/** The selectors of a page that match no monitor of its team (a misspelt tag or module name). */
function unmatched(
  machine: StateMachine,
  page: StatusPageRecord | Omit<StatusPageRecord, "createdAt" | "updatedAt" | "updatedBy">,
): string[] {
  const modules = machine.modules().filter((m) => m.team === page.team);
  const selectors = [...new Set(page.groups.flatMap((g) => g.components.flatMap((c) => c.select)))];
  return selectors
    .filter((s) => !modules.some((m) => m.definition.monitors.some((d) => selects(s, m.name, d.tags))))
    .map((s) => `"${s}" matches no monitor of team "${page.team}" yet`);
}

/**
 * `GET|PUT|DELETE /status-pages[/{slug}]`: status pages as replicated configuration. Any token reads
 * them (they are public anyway); a write token manages its team's, an admin every team's.
 */
export function statusPageRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  app.openapi(list, (c) =>
    c.json(
      machine.statusPages().map((p) => ({
        slug: p.slug,
        title: p.title,
        team: p.team,
        components: p.groups.reduce((n, g) => n + g.components.length, 0),
        url: `/status/${p.slug}`,
        updatedAt: p.updatedAt,
        updatedBy: p.updatedBy,
      })),
      200,
    ),
  );

  app.openapi(get, (c) => c.json(pageOr404(machine, c.req.valid("param").slug), 200));

  app.openapi(bodyReadByHandler(app, put), async (c) => {
    const caller = c.get("caller");
    requireRole(caller, "write", "publish status pages");
    const { slug } = c.req.valid("param");
    const parsedSlug = slugSchema.safeParse(slug);
    if (!parsedSlug.success) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `"${slug}" is not a page slug: ${parsedSlug.error.issues[0]?.message}.`,
      );
    }
    const raw = await readJson(c, z.record(z.string(), z.unknown()), { what: "status page" });
    if (raw.slug !== undefined && raw.slug !== slug) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `The body's slug "${String(raw.slug)}" is not the URL's "${slug}": renaming a page is a new page and a delete.`,
      );
    }
    const body = statusPageInputSchema.safeParse({ ...raw, slug });
    if (!body.success) {
      throw invalidInput(
        "status page",
        body.error,
        'Example: {"title": "Acme status", "groups": [{"name": "API", "components": [{"name": "Checkout", "select": ["module:Payments"]}]}]}.',
      );
    }
    const existing = machine.statusPage(slug);
    if (existing) requirePageRights(caller, "write", "change it", existing.team);
    const team = body.data.team ?? existing?.team ?? caller.team;
    requirePageRights(caller, "write", `publish a page of team "${team}"`, team);
    const page = { ...body.data, team };
    const applied = await log.propose({
      type: "statuspage.put",
      page,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) {
      throw (
        refusal(applied, "Not published") ??
        new AmstaffError("AMS_ERR_REQUEST_INVALID", `Not published: ${applied.reason}.`)
      );
    }
    const stored = pageOr404(machine, slug);
    return c.json(
      { page: stored, created: !existing, warnings: unmatched(machine, stored) },
      existing ? 200 : 201,
    );
  });

  app.openapi(remove, async (c) => {
    const caller = c.get("caller");
    const { slug } = c.req.valid("param");
    requireRole(caller, "write", "delete status pages");
    requirePageRights(caller, "write", "delete it", pageOr404(machine, slug).team);
    const applied = await log.propose({
      type: "statuspage.delete",
      slug,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) {
      throw (
        refusal(applied, "Not deleted") ??
        new AmstaffError("AMS_ERR_STATUS_PAGE_NOT_FOUND", `No status page "${slug}".`)
      );
    }
    return c.json({ deleted: slug }, 200);
  });
}
