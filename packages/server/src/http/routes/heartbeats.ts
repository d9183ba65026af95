import { randomBytes } from "node:crypto";
import { AmstaffError } from "@amstaff/core";
import { heartbeatPluginId } from "@amstaff/sampler-heartbeat";
import { createRoute, z } from "@hono/zod-openapi";
import { requireTeam } from "../../access/access.js";
import { pingId } from "../../state/heartbeats.js";
import { errors, json, segment } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { monitorOr404 } from "../lookups.js";

const pingUrl = createRoute({
  method: "get",
  path: "/monitors/{module}/{monitor}/ping-url",
  tags: ["monitors"],
  summary: "A heartbeat monitor's ping path (`/ping/<id>`): the id is its only credential",
  request: {
    params: z.object({ module: segment("The module's name"), monitor: segment("The monitor's name") }),
  },
  responses: {
    200: json(
      z.object({
        module: z.string(),
        monitor: z.string(),
        id: z.string().openapi({ description: "The ping id: the same on every node, kept across pushes" }),
        path: z.string().openapi({ description: "`/ping/<id>`, below the API's URL" }),
      }),
      "The ping path",
    ),
    ...errors(400, 401, 403, 404, 503),
  },
});

/** Heartbeat monitors' ping URLs, for `amstaff ping-url` (write or admin of the module's team). */
export function heartbeatRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  app.openapi(pingUrl, async (c) => {
    const caller = c.get("caller");
    const { module, monitor } = c.req.valid("param");
    const found = monitorOr404(machine, module, monitor);
    requireTeam(caller, "write", "read the ping URL of", found.module);
    if (found.definition.sampler.plugin !== heartbeatPluginId) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Monitor "${monitor}" is not a heartbeat monitor (its sampler is ${found.definition.sampler.plugin}); only heartbeat({...}) monitors have a ping URL.`,
      );
    }
    if (machine.heartbeatSecret === undefined) {
      // Made when first needed; two nodes racing both read the first one committed.
      const applied = await log.propose({
        type: "heartbeat.secret",
        secret: randomBytes(32).toString("base64url"),
        at: clock.now(),
      });
      if (!applied.ok) throw new AmstaffError("AMS_ERR_CONFLICT", `No ping id yet: ${applied.reason}.`);
    }
    const id = pingId(machine.heartbeatSecret ?? "", module, monitor);
    return c.json({ module, monitor, id, path: `/ping/${id}` }, 200);
  });
}
