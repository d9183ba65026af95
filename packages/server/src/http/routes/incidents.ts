import { sampleStatuses } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { nameSchema } from "../../access/access.js";
import { incidentStates, isIncidentCursor, listIncidents } from "../../state/incidentHistory.js";
import { errors, invalidRequest, json } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";

const status = z.enum([...sampleStatuses, "pending"]);
const actor = z.object({ name: z.string(), team: z.string().nullable() });

const event = z
  .object({
    type: z.enum([
      "opened",
      "worsened",
      "improved",
      "flapping",
      "reminded",
      "escalated",
      "acknowledged",
      "silenced",
      "resolved",
    ]),
    at: z.number(),
    status,
    message: z.string().nullable(),
    by: actor.nullable(),
    suppressed: z.string().nullable(),
    silence: z.object({ id: z.string(), from: z.number(), until: z.number(), reason: z.string() }).nullable(),
    notifications: z.array(
      z.object({
        handler: z.string(),
        status: z.enum(["pending", "delivered", "failed"]),
        attempts: z.number().int(),
        deliveredAt: z.number().nullable(),
        lastError: z.string().nullable(),
      }),
    ),
  })
  .openapi("IncidentEvent");

const incident = z
  .object({
    key: z.string(),
    module: z.string(),
    monitor: z.string(),
    team: z.string(),
    tags: z.array(z.string()),
    state: z.enum(incidentStates),
    status,
    worst: z.enum(sampleStatuses),
    openedAt: z.number(),
    resolvedAt: z.number().nullable(),
    acknowledged: actor.extend({ at: z.number() }).nullable(),
    complete: z.boolean().openapi({ description: "False when its oldest events are no longer kept" }),
    events: z.array(event),
  })
  .openapi("Incident");

const states = z
  .string()
  .transform((s) => s.split(","))
  .pipe(z.array(z.enum(incidentStates)).min(1));

const list = createRoute({
  method: "get",
  path: "/incidents",
  tags: ["monitors"],
  summary: "Open and recent incidents with their timelines, newest first, a page at a time",
  request: {
    query: z.strictObject({
      module: z.string().min(1).optional().openapi({ description: "Only this module's" }),
      monitor: z.string().min(1).optional().openapi({ description: "Only this monitor's (of any module)" }),
      team: nameSchema.optional().openapi({ description: "Only this team's modules'" }),
      state: states.optional().openapi({
        description: "Only incidents in these states, comma-separated: open, acknowledged, resolved",
      }),
      limit: z
        .string()
        .regex(/^\d{1,3}$/, "a whole number")
        .transform(Number)
        .pipe(z.number().min(1).max(500))
        .optional()
        .openapi({ description: "The page's size, 1 to 500 (default 50)" }),
      after: z
        .string()
        .refine(isIncidentCursor, "the `next` of a previous page")
        .optional()
        .openapi({ description: "The previous page's `next`" }),
      consistent: z.string().optional(),
    }),
  },
  responses: {
    200: json(
      z.object({
        incidents: z.array(incident),
        next: z
          .string()
          .nullable()
          .openapi({ description: "Pass as `after` for the next page; null on the last" }),
      }),
      "A page of incidents",
    ),
    ...errors(400, 401),
  },
});

/**
 * `GET /incidents`: every monitor's open and recent incidents, for any token, like `GET /monitors`
 * (acting on one — acknowledging, silencing — needs an operate token of its team).
 */
export function incidentRoutes(app: ApiApp, deps: HttpApiDeps): void {
  app.openapi(
    list,
    (c) => {
      const q = c.req.valid("query");
      const page = listIncidents(deps.machine, {
        module: q.module,
        monitor: q.monitor,
        team: q.team,
        states: q.state,
        limit: q.limit ?? 50,
        after: q.after,
      });
      return c.json(page, 200);
    },
    invalidRequest(
      "Use ?module=&monitor=&team=&state=open,acknowledged,resolved&limit=<1..500>&after=<next>.",
    ),
  );
}
