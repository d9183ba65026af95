import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientSchemaOf, clientSchemaPath } from "../scripts/clientSchema.js";
import { AmstaffApiError, createAmstaffClient } from "../src/client/client.js";
import { type AmstaffServer, startServer } from "../src/server.js";
import { version } from "../src/version.js";

let server: AmstaffServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "amstaff-openapi-"));
  server = await startServer({ dataDir, port: 0, logger: "silent" });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const contract = async () => {
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, { security?: unknown[] }>>;
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    security: unknown[];
  };
};

describe("the API's contract", () => {
  it("serves GET /openapi.json without a token: OpenAPI 3.1, every route, bearer auth", async () => {
    const document = await contract();
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "Amstaff", version });
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.security).toEqual([{ bearer: [] }]);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "GET /health",
        "GET /metrics",
        "GET /whoami",
        "GET /plugins",
        "GET /audit",
        "POST /monitor",
        "POST /modules",
        "GET /modules",
        "GET /modules/{name}",
        "DELETE /modules/{name}",
        "GET /modules/{name}/history",
        "GET /modules/{name}/history/{revision}",
        "POST /modules/{name}/rollback",
        "PUT /modules/{name}/team",
        "GET /monitors",
        "GET /monitors/{module}/{monitor}/ping-url",
        "GET /modules/{module}/monitors/{monitor}/samples",
        "POST /monitors/{module}/{monitor}/ack",
        "GET /monitors/{module}/{monitor}/transitions",
        "GET /deliveries",
        "GET /incidents",
        "GET /silences",
        "POST /silences",
        "DELETE /silences/{id}",
        "GET /export",
        "POST /import",
        "GET /cluster",
        "POST /cluster/members",
        "DELETE /cluster/members/{id}",
        "GET /overview",
        "GET /modules/{module}/monitors/{monitor}",
        "GET /modules/{module}/monitors/{monitor}/recent",
        "GET /events",
        "GET /status-pages",
        "GET /status-pages/{slug}",
        "PUT /status-pages/{slug}",
        "DELETE /status-pages/{slug}",
        "GET /status-pages/{slug}/incidents",
        "POST /status-pages/{slug}/incidents",
        "POST /status-pages/{slug}/incidents/{id}/updates",
        "DELETE /status-pages/{slug}/incidents/{id}",
      ].sort(),
    );
    expect(document.paths["/health"]!.get!.security).toEqual([]);
  });

  it("matches the checked-in client types (run `pnpm --filter @amstaff/server openapi` after changing a route)", async () => {
    // openapi-typescript validates the document as it reads it: an invalid one throws here.
    const generated = await clientSchemaOf(await contract());
    expect(generated === readFileSync(clientSchemaPath, "utf8"), "src/client/schema.ts is stale").toBe(true);
  });

  it("serves readable docs at GET /docs without a token, loading nothing from another origin", async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).toContain("POST</code> <code>/silences</code>");
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    const css = await fetch(`${server.url}/docs/docs.css`);
    expect([css.status, css.headers.get("content-type")]).toEqual([200, "text/css; charset=utf-8"]);
  });
});

describe("the API's plumbing", () => {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${server.token}`, ...init.headers },
    });

  it("echoes the client's x-request-id, or gives one", async () => {
    const echoed = await call("/whoami", { headers: { "x-request-id": "deploy-42" } });
    expect(echoed.headers.get("x-request-id")).toBe("deploy-42");
    const given = await call("/whoami");
    expect(given.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await fetch(`${server.url}/whoami`, { headers: { "x-request-id": "r-1" } });
    expect([refused.status, refused.headers.get("x-request-id")]).toEqual([401, "r-1"]);
  });

  it("answers 405 with Allow for another method on a route's path, 404 for an unknown one", async () => {
    const wrong = await call("/modules", { method: "PUT" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "POST"]);
    expect(await wrong.json()).toMatchObject({ error: { code: "AMS_ERR_METHOD_NOT_ALLOWED" } });
    const unknown = await call("/nope");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "AMS_ERR_NOT_FOUND" } });
  });

  it("refuses a streamed body (no content-length) once it is over the limit", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 32) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await call("/monitor", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "AMS_ERR_REQUEST_TOO_LARGE" } });
  });

  it("gives the typed client the server's answers, and its errors' codes", async () => {
    const client = createAmstaffClient({ baseUrl: server.url, token: server.token });
    expect(await client.call("get", "/whoami")).toEqual({ name: "admin", team: "default", role: "admin" });
    const missing = await client
      .call("get", "/modules/{name}", { path: { name: "No such" } })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(AmstaffApiError);
    expect(missing).toMatchObject({ status: 404, code: "AMS_ERR_MODULE_NOT_FOUND" });
    expect(missing.message).toContain('No module named "No such"');
  });
});
