import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import type { ClusterEngine } from "../../cluster/engine.js";
import { type AuditDeps, adminAudited } from "../audit.js";
import { limitBody, readJson } from "../body.js";
import { bodyReadByHandler, errors, json, segment } from "../contract.js";
import type { ApiApp } from "../deps.js";

/** What the public cluster routes work with. */
export interface ClusterRouteDeps extends AuditDeps {
  /** The cluster, created once the API listens (it needs the API's URL): undefined until then. */
  cluster: () => ClusterEngine | undefined;
  /** Test-only fault injection: serves `POST /cluster/fault`, which cuts this node off the cluster. */
  isolate?: ((isolated: boolean) => void) | undefined;
}

/** Membership changes are small: a bigger body is refused before it is read. */
const maxClusterBodyBytes = 64 * 1024;

const view = createRoute({
  method: "get",
  path: "/cluster",
  tags: ["cluster"],
  summary: "The members, their health and modules: the leader's view when it can be reached",
  responses: {
    200: json(
      z.record(z.string(), z.unknown()).openapi({
        description:
          "{ node, clusterId, leader, term, commitIndex, appliedIndex, members, unowned, answeredBy }",
      }),
      "The cluster",
    ),
    ...errors(401, 503),
  },
});

const memberBody = z.object({
  id: z.string(),
  raftAddress: z.string().openapi({ example: "10.0.0.4:7170" }),
});
const addMember = createRoute({
  method: "post",
  path: "/cluster/members",
  tags: ["cluster"],
  summary: "Add a node started with --join; answers once it is a voter (admin tokens)",
  request: { body: { content: { "application/json": { schema: memberBody } }, required: true } },
  responses: {
    200: json(z.object({ added: memberBody }), "Added"),
    ...errors(400, 401, 403, 413, 503),
  },
});

const removeMember = createRoute({
  method: "delete",
  path: "/cluster/members/{id}",
  tags: ["cluster"],
  summary: "Remove a node; its modules move to the others (admin tokens)",
  request: { params: z.object({ id: segment("The node's id") }) },
  responses: { 200: json(z.object({ removed: z.string() }), "Removed"), ...errors(401, 403, 503) },
});

const fault = createRoute({
  method: "post",
  path: "/cluster/fault",
  hide: true,
  request: { body: { content: { "application/json": { schema: z.object({ isolated: z.boolean() }) } } } },
  responses: { 200: json(z.object({ isolated: z.boolean() }), "Fault injected") },
});

/**
 * `GET /cluster`, `POST /cluster/members`, `DELETE /cluster/members/:id` (and with fault injection
 * `POST /cluster/fault`): changes are admin-only and recorded in the audit.
 */
export function clusterRoutes(deps: ClusterRouteDeps): (app: ApiApp) => void {
  const started = (): ClusterEngine => {
    const cluster = deps.cluster();
    if (!cluster)
      throw new AmstaffError("AMS_ERR_LOG_UNAVAILABLE", "The cluster is starting: try again in a moment.");
    return cluster;
  };
  const limit = limitBody(
    maxClusterBodyBytes,
    () => new AmstaffError("AMS_ERR_REQUEST_TOO_LARGE", "The body is over 64 KiB."),
  );
  const changes = [adminAudited(deps), limit];
  return (app) => {
    app.openapi(view, async (c) => c.json(await started().clusterView(), 200));
    app.openapi({ ...bodyReadByHandler(app, addMember), middleware: changes }, async (c) => {
      const added = await started().addMember(await readJson(c, z.unknown(), { empty: {} }));
      return c.json({ added }, 200);
    });
    app.openapi({ ...removeMember, middleware: changes }, async (c) => {
      const { id } = c.req.valid("param");
      await started().removeMember(id);
      return c.json({ removed: id }, 200);
    });
    const isolate = deps.isolate;
    if (isolate) {
      app.openapi({ ...fault, request: {}, middleware: changes }, async (c) => {
        const body = await readJson(c, z.looseObject({ isolated: z.unknown() }), { empty: {} });
        const isolated = body.isolated === true;
        isolate(isolated);
        deps.logger.warn({ isolated }, "fault injection");
        return c.json({ isolated }, 200);
      });
    }
  };
}
