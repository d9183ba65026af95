import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { createRoute, z } from "@hono/zod-openapi";
import { recentViewSchema } from "../../cluster/rpc.js";
import { errors, json, segment } from "../contract.js";
import type { Dashboard } from "../dashboard/dashboard.js";
import { monitorDetail } from "../dashboard/monitorDetail.js";
import type { OverviewRow } from "../dashboard/overviewRow.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { monitorOr404 } from "../lookups.js";

// Typed as the row the hub sends, so the contract cannot drift from `OverviewRow`.
const overviewRowSchema: z.ZodType<OverviewRow> = z.object({
  m: z.string(),
  n: z.string(),
  s: z.enum(["ok", "warning", "critical", "unknown", "pending"]),
  since: z.number().nullable(),
  tags: z.array(z.string()),
  lat: z.number().nullable(),
  v: z.number().nullable(),
  run: z.number().nullable(),
  msg: z.string().optional(),
  ack: z.boolean().optional(),
  flap: z.literal(true).optional(),
  sup: z.string().optional(),
  hs: z
    .string()
    .regex(/^[owcu]*$/)
    .optional(),
  hl: z.array(z.number()).optional(),
  u24: z.number().nullable().optional(),
  u30: z.number().nullable().optional(),
  gone: z.literal(true).optional(),
});
const overviewRow = overviewRowSchema.openapi("OverviewRow");

const monitorParams = z.object({
  module: segment("The module's name"),
  monitor: segment("The monitor's name"),
});

const overview = createRoute({
  method: "get",
  path: "/overview",
  tags: ["dashboard"],
  summary: "The dashboard's overview in one request: modules and one compact row per monitor",
  responses: {
    200: json(
      z.object({
        at: z.number(),
        modules: z.array(
          z.object({
            name: z.string(),
            revision: z.number().int(),
            pushedBy: z.string(),
            updatedAt: z.number(),
            owner: z.string().nullable(),
          }),
        ),
        monitors: z.array(overviewRow),
      }),
      "The overview",
    ),
    ...errors(401),
  },
});

const detail = createRoute({
  method: "get",
  path: "/modules/{module}/monitors/{monitor}",
  tags: ["dashboard"],
  summary: "One monitor: definition, status, incident, transitions with their deliveries",
  request: {
    params: monitorParams,
  },
  responses: {
    200: json(
      z.looseObject({ module: z.string(), monitor: z.string(), transitions: z.array(z.unknown()) }),
      "The monitor",
    ),
    ...errors(401, 404),
  },
});

const recent = createRoute({
  method: "get",
  path: "/modules/{module}/monitors/{monitor}/recent",
  tags: ["dashboard"],
  summary:
    "The last 30 samples of a monitor (the overview's bar) and its uptime, from the memory of the node that runs it",
  request: {
    params: monitorParams,
  },
  responses: {
    200: json(
      recentViewSchema.extend({ module: z.string(), monitor: z.string() }),
      "The samples, oldest first (none when the node that runs it has not run it since it started)",
    ),
    ...errors(401, 404),
  },
});

const events = createRoute({
  method: "get",
  path: "/events",
  tags: ["dashboard"],
  summary: "Live changes as Server-Sent Events: hello, changes ({ at, rows }), resync",
  responses: {
    200: { description: "The event stream", content: { "text/event-stream": { schema: z.string() } } },
    ...errors(401),
  },
});

/** What the dashboard's data routes read. */
export type DashboardRouteDeps = Pick<
  HttpApiDeps,
  "machine" | "observations" | "scheduler" | "clock" | "logger"
>;

/** The dashboard's data: `GET /overview`, a monitor's detail, and `GET /events` (Server-Sent Events). */
export function dashboardRoutes(dashboard: Dashboard, deps: DashboardRouteDeps): (app: ApiApp) => void {
  const { machine, logger } = deps;
  return (app) => {
    app.openapi(overview, async (c) => {
      // The bars of monitors other nodes run come from their last answers (asked at most every 2 s).
      await dashboard.peersReady();
      return c.json(dashboard.overview(), 200);
    });

    app.openapi(detail, (c) => {
      const { module, monitor } = c.req.valid("param");
      return c.json(monitorDetail(deps, module, monitor), 200);
    });

    app.openapi(recent, async (c) => {
      const { module, monitor } = c.req.valid("param");
      monitorOr404(machine, module, monitor);
      return c.json({ module, monitor, ...(await dashboard.recent(module, monitor)) }, 200);
    });

    // The stream is written on Node's response itself: the hub measures each client's backlog with
    // `writableLength` to drop one that fell behind, which a web stream in between would hide.
    app.openapi(events, (c) => {
      const response = c.env.outgoing;
      response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        // Tells a buffering reverse proxy (nginx) to pass each event on at once.
        "x-accel-buffering": "no",
        "x-request-id": c.get("requestId"),
      });
      const disconnect = dashboard.hub.connect({
        write: (chunk) => response.write(chunk),
        get bufferedBytes() {
          return response.writableLength;
        },
        end: (chunk) => response.end(chunk),
      });
      // The response's close, not the request's: a request emits close once its (empty) body is read.
      response.once("close", disconnect);
      logger.info(
        { requestId: c.get("requestId"), method: c.req.method, path: c.req.path, status: 200 },
        "stream opened",
      );
      return RESPONSE_ALREADY_SENT;
    });
  };
}
