import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { requireRole, requireTeam } from "../../access/access.js";
import { readJson } from "../body.js";
import { bodyReadByHandler, errors, invalidRequest, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { monitorOr404 } from "../lookups.js";
import { monitorsView } from "../views.js";
import { actorOf, refusal } from "../writes.js";

const status = z.enum(["pending", "ok", "warning", "critical", "unknown"]);
const incident = z
  .object({
    key: z.string(),
    openedAt: z.number(),
    acknowledged: z.record(z.string(), z.unknown()).nullable(),
  })
  .nullable();
const sampleResult = z.record(z.string(), z.unknown()).openapi("SampleResult");
const filter = (description: string) => z.string().optional().openapi({ description });

const monitors = createRoute({
  method: "get",
  path: "/monitors",
  tags: ["monitors"],
  summary: "Every monitor's status and last result, failing ones first",
  request: {
    query: z.object({
      module: filter("Only this module's"),
      team: filter("Only this team's modules'"),
      status: filter("Only monitors in this status"),
      tag: filter("Only monitors with this tag"),
    }),
  },
  responses: {
    200: json(
      z.array(
        z.object({
          module: z.string(),
          team: z.string(),
          monitor: z.string(),
          tags: z.array(z.string()),
          status,
          since: z.number().nullable(),
          flapping: z.boolean(),
          suppressed: z.string().nullable(),
          lastResult: sampleResult.nullable(),
          lastRunAt: z.number().nullable(),
          nextRunAt: z.number().nullable(),
          incident,
        }),
      ),
      "The monitors",
    ),
    ...errors(401),
  },
});

const modulePath = { module: segment("The module's name"), monitor: segment("The monitor's name") };

const epochMs = z
  .string()
  .regex(/^\d{1,15}$/, "milliseconds since the epoch, e.g. 1767225600000")
  .transform(Number);
const samples = createRoute({
  method: "get",
  path: "/modules/{module}/monitors/{monitor}/samples",
  tags: ["monitors"],
  summary: "A monitor's sample history on this node, raw or in 5-minute buckets",
  request: {
    params: z.object(modulePath),
    query: z.strictObject({
      from: epochMs.optional(),
      to: epochMs.optional(),
      limit: z
        .string()
        .regex(/^\d{1,6}$/, "a whole number")
        .transform(Number)
        .pipe(z.number().min(1).max(10_000))
        .optional(),
      consistent: z.string().optional(),
    }),
  },
  responses: {
    200: json(
      z.looseObject({
        module: z.string(),
        monitor: z.string(),
        from: z.number(),
        to: z.number(),
        resolution: z.enum(["raw", "5m"]),
      }),
      "The samples (`samples`) or buckets (`buckets`)",
    ),
    ...errors(400, 401, 404),
  },
});

const ackBody = z.strictObject({
  by: z.string().trim().min(1).max(200).optional(),
  incident: z.string().min(1).optional(),
});
const ack = createRoute({
  method: "post",
  path: "/monitors/{module}/{monitor}/ack",
  tags: ["monitors"],
  summary: "Acknowledge the monitor's open incident",
  request: {
    params: z.object(modulePath),
    body: {
      content: { "application/json": { schema: ackBody } },
      description: "`{}` or nothing: the token's name",
    },
  },
  responses: {
    200: json(
      z.object({
        acknowledged: z.unknown().optional().openapi({ description: "The incident, as acknowledged" }),
      }),
      "Acknowledged",
    ),
    ...errors(400, 401, 403, 404, 409, 503),
  },
});

const transitions = createRoute({
  method: "get",
  path: "/monitors/{module}/{monitor}/transitions",
  tags: ["monitors"],
  summary: "The monitor's recorded changes, newest first (suppressed ones with the reason)",
  request: { params: z.object(modulePath) },
  responses: {
    200: json(z.array(z.record(z.string(), z.unknown())), "The transitions"),
    ...errors(401, 404),
  },
});

/** The monitors: their status, sample history, recorded changes, and acknowledging an incident. */
export function monitorRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  app.openapi(monitors, (c) => {
    const q = c.req.valid("query");
    const view = monitorsView(
      { machine, observations: deps.observations, scheduler: deps.scheduler, now: clock.now() },
      { module: q.module ?? null, team: q.team ?? null, status: q.status ?? null, tag: q.tag ?? null },
    );
    return c.json(view, 200);
  });

  app.openapi(
    samples,
    (c) => {
      const { module, monitor } = c.req.valid("param");
      monitorOr404(machine, module, monitor);
      const query = c.req.valid("query");
      const to = query.to ?? clock.now();
      const from = query.from ?? to - 86_400_000;
      if (from > to)
        throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "Invalid query: from must not be after to.");
      const limit = query.limit ?? 2_000;
      const page = deps.history?.query(module, monitor, { from, to, limit }) ?? {
        resolution: "raw" as const,
        samples: [],
      };
      return c.json({ module, monitor, from, to, ...page }, 200);
    },
    invalidRequest("Use ?from=<ms>&to=<ms>&limit=<1..10000>."),
  );

  app.openapi(bodyReadByHandler(app, ack), async (c) => {
    const caller = c.get("caller");
    const { module, monitor } = c.req.valid("param");
    requireRole(caller, "operate", "acknowledge incidents");
    const body = await readJson(c, ackBody, { empty: {}, hint: 'Send {"by": "your name"} or nothing.' });
    requireTeam(caller, "operate", "acknowledge", monitorOr404(machine, module, monitor).module);
    const applied = await log.propose({
      type: "incident.ack",
      module,
      monitor,
      incident: body.incident,
      by: body.by ?? caller.name,
      actor: actorOf(caller),
      at: clock.now(),
    });
    if (!applied.ok) {
      throw (
        refusal(applied, "Not acknowledged") ??
        new AmstaffError("AMS_ERR_CONFLICT", `Not acknowledged: ${applied.reason}.`)
      );
    }
    return c.json({ acknowledged: applied.incident }, 200);
  });

  app.openapi(transitions, (c) => {
    const { module, monitor } = c.req.valid("param");
    monitorOr404(machine, module, monitor);
    // Suppressed changes have no delivery: this is where they stay visible, with the reason.
    return c.json(machine.transitionsOf(module, monitor).reverse(), 200);
  });
}
