import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { nameSchema, roles } from "../../access/access.js";
import { eventLoopDelay } from "../../runtime/eventLoopDelay.js";
import { errors, invalidRequest, json } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { pluginView } from "../views.js";

const percentiles = z.object({ p50: z.number(), p99: z.number(), max: z.number() });

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["meta"],
  summary: "Liveness, version, scheduler and event loop health (no token)",
  security: [],
  responses: {
    200: json(
      z.object({
        status: z.literal("ok"),
        version: z.string(),
        modules: z.number().int(),
        scheduler: z.object({
          runs: z.number(),
          skipped: z.number(),
          latenessMs: percentiles,
          slots: z.object({ limit: z.number(), active: z.number(), waiting: z.number() }),
        }),
        eventLoopDelayMs: percentiles,
      }),
      "The node is up",
    ),
  },
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["meta"],
  summary: "Prometheus metrics, in the text format (no token with metricsPublic)",
  responses: {
    200: { description: "The metrics", content: { "text/plain": { schema: z.string() } } },
    ...errors(401),
  },
});

const whoami = createRoute({
  method: "get",
  path: "/whoami",
  tags: ["meta"],
  summary: "The calling token's name, team and role",
  responses: {
    200: json(z.object({ name: z.string(), team: z.string(), role: z.enum(roles) }), "The token"),
    ...errors(401),
  },
});

const plugins = createRoute({
  method: "get",
  path: "/plugins",
  tags: ["meta"],
  summary: "The installed samplers and handlers, their builders and options (JSON Schema)",
  responses: {
    200: json(
      z.array(
        z.object({
          id: z.string(),
          kind: z.enum(["sampler", "handler"]),
          package: z.string(),
          description: z.string(),
          builders: z.array(z.string()),
          options: z.unknown(),
        }),
      ),
      "The plugins",
    ),
    ...errors(401),
  },
});

const auditEntry = z
  .object({
    index: z.number().int(),
    at: z.number(),
    action: z.string(),
    target: z.string().optional(),
    teams: z.array(z.string()),
    actor: z.object({ name: z.string(), team: z.string().optional(), role: z.string().optional() }),
    detail: z.string().optional(),
  })
  .openapi("AuditEntry");

const audit = createRoute({
  method: "get",
  path: "/audit",
  tags: ["meta"],
  summary: "Every write, newest first (an admin sees all; other tokens their own team's)",
  request: {
    query: z.strictObject({
      module: z.string().min(1).optional(),
      team: nameSchema.optional(),
      limit: z
        .string()
        .regex(/^\d{1,4}$/, "a whole number")
        .transform(Number)
        .pipe(z.number().min(1).max(2_000))
        .optional(),
      consistent: z.string().optional(),
    }),
  },
  responses: { 200: json(z.array(auditEntry), "The audit entries"), ...errors(400, 401, 403) },
});

/** `GET /health`, `/metrics`, `/whoami`, `/plugins` and `/audit`: what the node is and who calls it. */
export function metaRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, scheduler } = deps;
  app.openapi(health, (c) => {
    const { runs, skipped, latenessMs, slots } = scheduler.stats();
    const { p50, p99, max } = latenessMs;
    const delay = eventLoopDelay().summary();
    return c.json(
      {
        status: "ok" as const,
        version: deps.version,
        modules: machine.modules().length,
        scheduler: {
          runs,
          skipped,
          latenessMs: { p50, p99, max },
          slots: { limit: slots.limit, active: slots.active, waiting: slots.waiting },
        },
        eventLoopDelayMs: { p50: delay.p50, p99: delay.p99, max: delay.max },
      },
      200,
    );
  });
  const nodeMetrics = deps.metrics;
  if (nodeMetrics) {
    app.openapi(metrics, async (c) => {
      const { contentType, body } = await nodeMetrics.text();
      return c.text(body, 200, { "content-type": contentType });
    });
  }
  app.openapi(whoami, (c) => {
    const { name, team, role } = c.get("caller");
    return c.json({ name, team, role }, 200);
  });
  app.openapi(plugins, (c) => c.json(deps.plugins().map(pluginView), 200));
  app.openapi(
    audit,
    (c) => {
      const query = c.req.valid("query");
      const caller = c.get("caller");
      if (caller.role !== "admin" && query.team !== undefined && query.team !== caller.team) {
        throw new AmstaffError(
          "AMS_ERR_AUTH_TEAM",
          `Token "${caller.name}" is of team "${caller.team}": it sees its own team's audit only.`,
        );
      }
      // An admin sees every entry; a team's tokens those about its modules and those its tokens made.
      const team = caller.role === "admin" ? query.team : caller.team;
      return c.json(machine.audit({ team, module: query.module, limit: query.limit }), 200);
    },
    invalidRequest("Use ?module=<name>&team=<team>&limit=<1..2000>."),
  );
}
