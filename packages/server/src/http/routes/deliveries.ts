import { createRoute, z } from "@hono/zod-openapi";
import { errors, json } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { deliveriesView } from "../views.js";

const deliveries = createRoute({
  method: "get",
  path: "/deliveries",
  tags: ["deliveries"],
  summary: "Every delivery still known, newest first, with the transition it notifies",
  request: {
    query: z.object({
      module: z.string().optional().openapi({ description: "Only this module's" }),
      monitor: z.string().optional().openapi({ description: "Only this monitor's" }),
    }),
  },
  responses: {
    200: json(
      z.array(
        z.object({
          id: z.string(),
          transitionId: z.string(),
          handler: z.string(),
          status: z.enum(["pending", "delivered", "failed"]),
          attempts: z.number().int(),
          transition: z.unknown().optional(),
        }),
      ),
      "The deliveries",
    ),
    ...errors(401),
  },
});

/** `GET /deliveries`: the notifications sent, pending and failed. */
export function deliveryRoutes(app: ApiApp, deps: HttpApiDeps): void {
  app.openapi(deliveries, (c) => {
    const { module, monitor } = c.req.valid("query");
    return c.json(deliveriesView(deps.machine, { module, monitor }), 200);
  });
}
