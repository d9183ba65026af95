import { apiDocsCss, type OpenApiDocument, renderApiDocs } from "../apiDocs.js";
import type { ApiApp } from "../deps.js";

/** Where the contract and its readable docs are served (without a token). */
export const docsPaths = ["/openapi.json", "/docs", "/docs/docs.css"] as const;

/**
 * The API's contract, `GET /openapi.json` (OpenAPI 3.1, generated from the routes), and `GET /docs`, a
 * page rendered from it. Both open: they reveal the contract, which is public in the source anyway,
 * and nothing of the node's state. Register after every route: the document is built once, on first use.
 */
export function docsRoutes(app: ApiApp, version: string): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API token (`amstaff-server token create`, or the server's own)",
  });
  let document: OpenApiDocument | undefined;
  const contract = () =>
    (document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Amstaff",
        version,
        description: "Monitoring and alerting as code: push modules, read status, acknowledge and silence.",
      },
      security: [{ bearer: [] }],
    }));
  let page: string | undefined;
  app.get("/openapi.json", (c) => c.json(contract()));
  app.get("/docs", (c) => {
    page ??= renderApiDocs(contract());
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'",
    );
    return c.html(page);
  });
  app.get("/docs/docs.css", (c) => c.body(apiDocsCss, 200, { "content-type": "text/css; charset=utf-8" }));
}
