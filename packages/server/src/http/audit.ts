import { describeError } from "@amstaff/core";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { requireRole } from "../access/access.js";
import type { Clock } from "../clock.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { ApiEnv } from "./deps.js";
import { actorOf } from "./writes.js";

/** What {@link adminAudited} records with. */
export interface AuditDeps {
  log: ReplicatedLog;
  clock: Clock;
  logger: Logger;
}

/**
 * A route that changes what the state machine does not record itself (cluster membership lives in
 * Raft's own configuration): admin tokens only, and recorded in the audit once done. The entry is not
 * awaited: a node that fault injection just cut off from the log still answers.
 */
export function adminAudited({ log, clock, logger }: AuditDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const action = `${c.req.method} ${c.req.path}`;
    const caller = c.get("caller");
    requireRole(caller, "admin", action);
    await next();
    if (c.res.status >= 300) return;
    const params: Record<string, string> = c.req.param();
    const target = Object.values(params)[0];
    const detail = (await c.res.clone().text()).slice(0, 500);
    const failed = (reason: string) => logger.warn({ action, reason }, "audit entry not recorded");
    log
      .propose({
        type: "audit.record",
        action,
        ...(target !== undefined && { target: target.slice(0, 200) }),
        detail,
        actor: actorOf(caller),
        at: clock.now(),
      })
      .then(
        (recorded) => recorded.ok || failed(recorded.reason),
        (error: unknown) => failed(describeError(error)),
      );
  };
}
