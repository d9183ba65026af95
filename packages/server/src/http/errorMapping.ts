import { AmstaffError, type AmstaffErrorCode } from "@amstaff/core";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { ApiApp, ApiEnv } from "./deps.js";
import { errorResponse } from "./httpErrors.js";

/** The code of an error the framework raised itself, by status. */
const frameworkCodes: Record<number, AmstaffErrorCode> = {
  401: "AMS_ERR_AUTH_REQUIRED",
  404: "AMS_ERR_NOT_FOUND",
  405: "AMS_ERR_METHOD_NOT_ALLOWED",
  409: "AMS_ERR_CONFLICT",
  413: "AMS_ERR_REQUEST_TOO_LARGE",
};

function asAmstaffError(error: unknown): unknown {
  if (!(error instanceof HTTPException)) return error;
  const code =
    frameworkCodes[error.status] ?? (error.status < 500 ? "AMS_ERR_REQUEST_INVALID" : "AMS_ERR_INTERNAL");
  return new AmstaffError(code, error.message || `HTTP ${error.status}`, { cause: error });
}

/**
 * The one error mapping of the API: anything thrown while serving a request becomes the status and
 * `{ error: { code, message } }` body of its code ({@link errorResponse}); 5xx are logged with the
 * error, 403s as a warning with who was refused.
 */
export function onApiError(logger: Logger): ErrorHandler<ApiEnv> {
  return (thrown, c) => {
    const error = asAmstaffError(thrown);
    const { status, body } = errorResponse(error);
    const requestId = c.get("requestId");
    if (status >= 500) logger.error({ requestId, err: error }, "request failed");
    if (status === 403) {
      logger.warn(
        { requestId, method: c.req.method, path: c.req.path, code: body.error.code, ...body.error.details },
        "request refused",
      );
    }
    return c.json(body, status as ContentfulStatusCode);
  };
}

/** A route's path as a pattern: each `:param` one segment. */
const patternOf = (path: string) => new RegExp(`^${path.replace(/:[^/]+/g, "[^/]+")}$`);

/**
 * What answers a request no route took: 405 with `Allow` when other methods serve its path, else 404.
 * Both before any authentication, as an unknown endpoint reveals nothing.
 */
export function notFoundOrNotAllowed(app: ApiApp, onError: ErrorHandler<ApiEnv>): NotFoundHandler<ApiEnv> {
  let patterns: { method: string; pattern: RegExp }[] | undefined;
  return (c: Context<ApiEnv>) => {
    patterns ??= app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({ method: r.method, pattern: patternOf(r.path) }));
    const path = c.req.path;
    const allowed = [...new Set(patterns.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      c.header("allow", allowed.join(", "));
      const notAllowed = `${c.req.method} is not allowed on ${path}.`;
      return onError(new AmstaffError("AMS_ERR_METHOD_NOT_ALLOWED", notAllowed), c);
    }
    return onError(new AmstaffError("AMS_ERR_NOT_FOUND", `No endpoint ${c.req.method} ${path}.`), c);
  };
}
