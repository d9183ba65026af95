import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { ApiEnv } from "./deps.js";

/**
 * One `request` log line per answered request, with its id, method, path, status and duration. A
 * stream written on Node's response (`GET /events`) logs its own line when it opens.
 */
export function requestLog(logger: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    if (c.res.headers.has("x-hono-already-sent")) return;
    logger.info(
      {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  };
}
