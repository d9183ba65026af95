import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticAssets } from "./staticAssets.js";

/** A raw request: the path goes on the wire exactly as given (fetch would normalise `..`). */
function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard's static files", () => {
  const root = mkdtempSync(join(tmpdir(), "amstaff-static-"));
  const dir = join(root, "dashboard");
  let server: Server;
  let port: number;

  beforeAll(async () => {
    mkdirSync(join(dir, "assets"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>x</title>");
    writeFileSync(join(dir, "assets", "app-ABC123.js"), "console.log(1)");
    writeFileSync(join(dir, "assets", "app-ABC123.css"), "body{}");
    writeFileSync(join(dir, ".env"), "SECRET=1");
    writeFileSync(join(root, "secret.txt"), "outside");
    const assets = createStaticAssets({ dir });
    server = createServer((req, res) => {
      if (!assets.handle(req, res)) res.writeHead(418).end("not mine");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  it("serves /favicon.ico, a 16×16 Windows icon, with an ETag and the security headers", async () => {
    const icon = await get(port, "/favicon.ico");
    expect(icon.status).toBe(200);
    expect(icon.headers["content-type"]).toBe("image/x-icon");
    expect(icon.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(Number(icon.headers["content-length"])).toBe(6 + 16 + 40 + 16 * 16 * 4 + 16 * 4);
    const again = await get(port, "/favicon.ico", { "if-none-match": String(icon.headers.etag) });
    expect(again.status).toBe(304);
    expect((await get(port, "/favicon.ico", {}, "POST")).status).toBe(418);
  });

  it("serves each file with its content type, a CSP, and cache headers that fit its name", async () => {
    const index = await get(port, "/ui/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    const js = await get(port, "/ui/assets/app-ABC123.js");
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await get(port, "/ui/assets/app-ABC123.css")).headers["content-type"]).toBe(
      "text/css; charset=utf-8",
    );
    expect((await get(port, "/ui")).headers.location).toBe("/ui/");
    expect((await get(port, "/api")).status).toBe(418);
  });

  it("answers 304 to a matching ETag, and HEAD without a body", async () => {
    const first = await get(port, "/ui/index.html");
    const again = await get(port, "/ui/index.html", { "if-none-match": String(first.headers.etag) });
    expect(again.status).toBe(304);
    const head = await get(port, "/ui/", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect((await get(port, "/ui/", {}, "POST")).status).toBe(405);
  });

  it.each([
    "/ui/../secret.txt",
    "/ui/%2e%2e/secret.txt",
    "/ui/assets/..%2f..%2fsecret.txt",
    "/ui/assets/../../secret.txt",
    "/ui//etc/passwd",
    "/ui/.env",
    "/ui/assets/app-ABC123.js/",
    "/ui/ASSETS/app-ABC123.js",
  ])("serves nothing but the built files: %s", async (path) => {
    const response = await get(port, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain("outside");
    expect(response.body).not.toContain("SECRET");
  });

  it("says how to build the dashboard when it is missing", async () => {
    const assets = createStaticAssets({ dir: join(root, "nowhere") });
    expect(assets.available).toBe(false);
    const missing = createServer((req, res) => void assets.handle(req, res));
    await new Promise<void>((resolve) => missing.listen(0, "127.0.0.1", resolve));
    const response = await get((missing.address() as AddressInfo).port, "/ui/");
    await new Promise((resolve) => missing.close(resolve));
    expect(response.status).toBe(503);
    expect(response.body).toContain("pnpm build");
  });
});
