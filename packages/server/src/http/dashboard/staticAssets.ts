import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";
import { faviconIco } from "./favicon.js";

/** The content types of the files the dashboard's build writes. Anything else is not served. */
export const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The Content-Security-Policy of every dashboard and status page response: scripts and styles from
 * this origin only (no inline script, no eval), data fetched from this origin only, never framed.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers every page and asset carries. */
export const securityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

/** Options of {@link createStaticAssets}. */
export interface StaticAssetsOptions {
  /** The directory the dashboard was built into. */
  dir: string;
  /** The URL path it is served under, ending with `/`. @default "/ui/" */
  base?: string;
}

/** Serves the built dashboard. */
export interface StaticAssets {
  /** Whether the build was found (otherwise every page says how to build it). */
  readonly available: boolean;
  /** The URL paths served, for tests and logs. */
  readonly paths: readonly string[];
  /** Answers the request when its path is under the base; returns false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

/**
 * Loads the built dashboard into memory once and serves it. A request is answered only when its path
 * is exactly one of the files found at startup, so no path (`..`, encoded separators, symlinks added
 * later) can reach anything else. Files under `assets/` have content hashes in their names and are
 * cached for a year; the rest revalidate with an ETag.
 */
export function createStaticAssets(options: StaticAssetsOptions): StaticAssets {
  const base = options.base ?? "/ui/";
  const assets = new Map<string, Asset>();
  const available = existsSync(join(options.dir, "index.html"));
  if (available) {
    for (const file of listFiles(options.dir)) {
      const type = contentTypes[extname(file)];
      if (type === undefined) continue;
      const name = relative(options.dir, file).split(sep).join("/");
      const body = readFileSync(file);
      assets.set(`${base}${name}`, {
        body,
        type,
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        cacheControl: name.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      });
    }
    const index = assets.get(`${base}index.html`);
    if (index) assets.set(base, index);
  }
  const icon = faviconIco();
  const favicon: Asset = {
    body: icon,
    type: contentTypes[".ico"]!,
    etag: `"${createHash("sha256").update(icon).digest("base64url").slice(0, 22)}"`,
    cacheControl: "public, max-age=86400",
  };

  return {
    available,
    paths: [...assets.keys()],
    handle(request, response) {
      const path = (request.url ?? "/").split("?")[0]!;
      if (path === "/favicon.ico" && (request.method === "GET" || request.method === "HEAD")) {
        send(request, response, favicon);
        return true;
      }
      if (path === base.slice(0, -1)) {
        response.writeHead(308, { location: base, ...securityHeaders }).end();
        return true;
      }
      if (!path.startsWith(base)) return false;
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD", ...securityHeaders }).end();
        return true;
      }
      if (!available) {
        const body = "The dashboard is not built: run `pnpm build` in packages/server.\n";
        response.writeHead(503, { "content-type": "text/plain; charset=utf-8", ...securityHeaders });
        response.end(body);
        return true;
      }
      const asset = assets.get(path);
      if (!asset) {
        response.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...securityHeaders });
        response.end("Not found.\n");
        return true;
      }
      send(request, response, asset);
      return true;
    },
  };
}

/** Answers with an asset: 304 when the client's copy is current. */
function send(request: IncomingMessage, response: ServerResponse, asset: Asset): void {
  const headers = {
    "content-type": asset.type,
    "cache-control": asset.cacheControl,
    etag: asset.etag,
    ...securityHeaders,
  };
  if (request.headers["if-none-match"] === asset.etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, "content-length": asset.body.length });
  response.end(request.method === "HEAD" ? undefined : asset.body);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return entry.isFile() ? [path] : [];
  });
}
