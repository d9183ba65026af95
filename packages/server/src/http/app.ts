import { AmstaffError } from "@amstaff/core";
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { authenticate, endpointMatched } from "./auth.js";
import { limitBody } from "./body.js";
import { invalidRequest } from "./contract.js";
import type { ApiApp, ApiEnv, HttpApiDeps } from "./deps.js";
import { notFoundOrNotAllowed, onApiError } from "./errorMapping.js";
import { requestLog } from "./requestLog.js";
import { deliveryRoutes } from "./routes/deliveries.js";
import { docsRoutes } from "./routes/docs.js";
import { exportRoutes, importPath } from "./routes/export.js";
import { heartbeatRoutes } from "./routes/heartbeats.js";
import { incidentRoutes } from "./routes/incidents.js";
import { metaRoutes } from "./routes/meta.js";
import { moduleRoutes } from "./routes/modules.js";
import { monitorRoutes } from "./routes/monitors.js";
import { pushRoutes } from "./routes/push.js";
import { silenceRoutes } from "./routes/silences.js";
import { statusNoteRoutes } from "./routes/statusNotes.js";
import { statusPageRoutes } from "./routes/statusPages.js";

/** The default of {@link HttpApiDeps.maxBodyBytes}: 1 MiB. */
export const defaultMaxBodyBytes = 1024 * 1024;

/**
 * The API as one Hono app: a request id (`x-request-id`, the client's when it sends a sane one), a log
 * line per request, one token check, the body limit, the routes by concept with their OpenAPI contract
 * (`GET /openapi.json`, `GET /docs`), and one error mapping. Every endpoint but `GET /health`, the
 * contract (and `GET /metrics` with `metricsPublic`) needs `Authorization: Bearer <token>`, and a
 * read-only token may only `GET`; bad requests get a 4xx with `{ error: { code, message } }` and change
 * nothing.
 */
export function createApiApp(deps: HttpApiDeps): ApiApp {
  const maxBodyBytes = deps.maxBodyBytes ?? defaultMaxBodyBytes;
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: invalidRequest() });
  const handleError = onApiError(deps.logger);
  const limit = limitBody(
    maxBodyBytes,
    () =>
      new AmstaffError(
        "AMS_ERR_REQUEST_TOO_LARGE",
        `The request body is over ${maxBodyBytes} bytes; split the module into several modules.`,
      ),
  );

  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(
    authenticate({
      tokens: deps.tokens,
      metricsPublic: deps.metricsPublic === true,
      consistentRead: deps.consistentRead,
    }),
  );
  // Only a request that reached an endpoint is read: an unknown one answers 404 whatever it sends. An
  // import (a whole state) has a limit of its own.
  app.use((c, next) => (endpointMatched(c) && c.req.path !== importPath ? limit(c, next) : next()));
  // Hono leaves a malformed percent-encoding as it is: refuse it rather than look up a garbled name.
  app.use((c, next) => {
    if (endpointMatched(c) && !wellEncoded(new URL(c.req.url).pathname)) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "The URL is not correctly percent-encoded.");
    }
    return next();
  });

  metaRoutes(app, deps);
  pushRoutes(app, deps);
  moduleRoutes(app, deps);
  monitorRoutes(app, deps);
  incidentRoutes(app, deps);
  deliveryRoutes(app, deps);
  silenceRoutes(app, deps);
  heartbeatRoutes(app, deps);
  exportRoutes(app, deps);
  statusPageRoutes(app, deps);
  statusNoteRoutes(app, deps);
  for (const add of deps.extraRoutes ?? []) add(app);
  docsRoutes(app, deps.version);

  app.onError(handleError);
  app.notFound(notFoundOrNotAllowed(app, handleError));
  return app;
}

function wellEncoded(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
