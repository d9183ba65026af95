import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createApiApp } from "./app.js";
import type { HttpApiDeps } from "./deps.js";

/**
 * The API as a Node request listener (for `http.createServer` or the server's dispatcher): the Hono app
 * of {@link createApiApp} behind `@hono/node-server`.
 */
export function createHttpApi(
  deps: HttpApiDeps,
): (request: IncomingMessage, response: ServerResponse) => void {
  const listen = getRequestListener(createApiApp(deps).fetch, {
    // The rest of the process (samplers, handlers) uses Node's own Request and Response.
    overrideGlobalObjects: false,
  });
  return (request, response) => void listen(request, response);
}
