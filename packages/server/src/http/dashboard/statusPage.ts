import type { IncomingMessage, ServerResponse } from "node:http";
import { AmstaffError } from "@amstaff/core";
import { z } from "zod";
import type { Clock } from "../../clock.js";
import type { DayCounts } from "../../runtime/dailyUptime.js";
import type { UptimeDays } from "../../runtime/uptimeDays.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { badgeFor } from "./badges.js";
import { contentSecurityPolicy, securityHeaders } from "./staticAssets.js";
import { statusPageCss } from "./statusPageCss.js";
import { document, escapeHtml, statusPageHtml } from "./statusPageHtml.js";
import {
  barDays,
  flagPage,
  type PublicPage,
  pageMonitors,
  publicPage,
  type ResolvedPage,
  resolvePage,
} from "./statusPageModel.js";

export { type PublicStatus, publicStatus } from "./statusPageModel.js";

/** What the `--status-page` flag publishes: the monitors with one of these tags, the modules named. */
export interface StatusPageSelection {
  tags: readonly string[];
  modules: readonly string[];
}

const selectorSchema = z
  .string()
  .trim()
  .regex(/^(tag|module):.+$/, 'expected "tag:<tag>" or "module:<module name>"');

/**
 * Reads the `--status-page` flag (`AMSTAFF_STATUS_PAGES`): comma-separated `tag:<tag>` and
 * `module:<module name>` entries, e.g. `tag:public,module:Payments`.
 */
export function parseStatusPages(text: string | undefined): StatusPageSelection {
  const tags: string[] = [];
  const modules: string[] = [];
  for (const entry of (text ?? "").split(",").filter((e) => e.trim() !== "")) {
    const parsed = selectorSchema.safeParse(entry);
    if (!parsed.success) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `--status-page: "${entry.trim()}" is not tag:<tag> or module:<module name> (e.g. tag:public,module:Payments).`,
      );
    }
    const at = parsed.data.indexOf(":");
    (parsed.data.slice(0, at) === "tag" ? tags : modules).push(parsed.data.slice(at + 1).trim());
  }
  return { tags, modules };
}

/** Options of {@link createStatusPages}. */
export interface StatusPagesOptions {
  machine: StateMachine;
  clock: Clock;
  /** The cluster's daily uptime (the bars); absent: pages show no bars' data. */
  uptime?: UptimeDays | undefined;
  selection?: StatusPageSelection | undefined;
}

const favicon =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#1e7b3a"/></svg>';

const pageCache = "public, max-age=30";
const badgeCache = "public, max-age=60, s-maxage=60";

/** Headers of a badge or logo: an image that may be embedded anywhere, and runs nothing. */
const imageHeaders = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "cross-origin",
};

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/**
 * The public status pages and badges, no token needed:
 * - `/status/` lists them; `/status/<slug>` is a configured page (`PUT /status-pages/<slug>`), as HTML
 *   or, with `Accept: application/json` or at `/status/<slug>.json`, as JSON; `/status/<slug>/logo` its
 *   uploaded logo;
 * - `/status/tag/<tag>` and `/status/module/<name>` are the `--status-page` flag's pages;
 * - `/badge/<slug>/status.svg`, `/badge/<slug>/<component>/status.svg` and
 *   `/badge/<slug>/<component>/uptime.svg?days=30` are SVG badges for READMEs.
 *
 * They show names, status words, uptime and the notes posted for the public; nothing else: no
 * messages of samples, URLs, hosts, errors, tags or node names. A page that is not published answers
 * 404, the same as one that does not exist.
 */
export function createStatusPages(options: StatusPagesOptions) {
  const { machine, clock } = options;
  const selection = options.selection ?? { tags: [], modules: [] };

  const resolve = (slug: string): ResolvedPage | undefined => {
    const flag = /^(tag|module)\/(.+)$/.exec(slug);
    if (flag) {
      const [, kind, name] = flag as unknown as [string, "tag" | "module", string];
      const published = (kind === "tag" ? selection.tags : selection.modules).includes(name);
      return published ? flagPage(machine, kind, name) : undefined;
    }
    const page = machine.statusPage(slug);
    return page && resolvePage(machine, page);
  };

  const daysOf = async (page: ResolvedPage): Promise<ReadonlyMap<string, DayCounts[]>> =>
    (await options.uptime?.get(pageMonitors(page), barDays)) ?? new Map();
  const build = async (page: ResolvedPage): Promise<PublicPage> =>
    publicPage(machine, page, await daysOf(page), clock.now());

  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string | Buffer,
  ) => {
    response.writeHead(status, { "content-length": Buffer.byteLength(body), ...headers });
    response.end(request.method === "HEAD" ? undefined : body);
  };
  const html = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    body: string,
    csp?: string,
  ) =>
    send(
      request,
      response,
      status,
      {
        "content-type": "text/html; charset=utf-8",
        "cache-control": status === 200 ? pageCache : "no-cache",
        vary: "accept",
        ...securityHeaders,
        ...(csp && { "content-security-policy": csp }),
      },
      body,
    );
  const notFound = (request: IncomingMessage, response: ServerResponse) =>
    html(request, response, 404, document("Not found", "<main><h1>No such status page</h1></main>"));
  const svg = (request: IncomingMessage, response: ServerResponse, status: number, body: string) =>
    send(
      request,
      response,
      status,
      {
        "content-type": "image/svg+xml; charset=utf-8",
        "cache-control": status === 200 ? badgeCache : "no-cache",
        ...imageHeaders,
      },
      body,
    );

  const list = (request: IncomingMessage, response: ServerResponse) => {
    const links = [
      ...machine.statusPages().map((p) => [p.slug, p.title] as const),
      ...selection.tags.map((t) => [`tag/${encodeURIComponent(t)}`, `Status: ${t}`] as const),
      ...selection.modules.map((m) => [`module/${encodeURIComponent(m)}`, `${m} status`] as const),
    ];
    if (links.length === 0) return notFound(request, response);
    const items = links.map(([href, title]) => `<li><a href="/status/${href}">${escapeHtml(title)}</a></li>`);
    html(
      request,
      response,
      200,
      document("Status pages", `<main><h1>Status pages</h1><ul>${items.join("")}</ul></main>`),
    );
  };

  const page = async (
    request: IncomingMessage,
    response: ServerResponse,
    slug: string,
    asJson: boolean,
    query: URLSearchParams,
  ) => {
    const resolved = resolve(slug);
    if (!resolved) return notFound(request, response);
    const model = await build(resolved);
    if (asJson) {
      return send(
        request,
        response,
        200,
        {
          "content-type": "application/json; charset=utf-8",
          "cache-control": pageCache,
          "access-control-allow-origin": "*",
          vary: "accept",
          "x-content-type-options": "nosniff",
        },
        JSON.stringify(model),
      );
    }
    // An external logo is the one image from elsewhere the page may load.
    const logoOrigin = model.logo?.startsWith("http") ? new URL(model.logo).origin : undefined;
    const csp = logoOrigin
      ? contentSecurityPolicy.replace("img-src 'self' data:", `img-src 'self' data: ${logoOrigin}`)
      : undefined;
    const json = slug.includes("/") ? undefined : `/status/${slug}.json`;
    // A refresh the reader chose (a wall display), between 30 s and an hour.
    const asked = Number(query.get("refresh"));
    const refresh = Number.isInteger(asked) && asked > 0 ? Math.min(Math.max(asked, 30), 3_600) : undefined;
    html(request, response, 200, statusPageHtml(model, json, refresh), csp);
  };

  const logo = (request: IncomingMessage, response: ServerResponse, slug: string) => {
    const stored = machine.statusPage(slug)?.logo;
    if (!stored || !("data" in stored)) return notFound(request, response);
    send(
      request,
      response,
      200,
      {
        "content-type": stored.type,
        "cache-control": "public, max-age=300",
        ...imageHeaders,
      },
      Buffer.from(stored.data, "base64"),
    );
  };

  const badge = async (
    request: IncomingMessage,
    response: ServerResponse,
    parts: string[],
    query: URLSearchParams,
  ) => {
    const resolved = parts[0] === undefined ? undefined : resolve(parts[0]);
    const days = resolved ? await daysOf(resolved) : new Map<string, DayCounts[]>();
    const answer = badgeFor(machine, resolved, days, parts.slice(1), query, clock.now());
    svg(request, response, answer.status, answer.svg);
  };

  return {
    /** Answers `/status…` and `/badge/…`; returns false for any other path. */
    handle(request: IncomingMessage, response: ServerResponse): boolean {
      const url = new URL(request.url ?? "/", "http://status.invalid");
      const path = url.pathname;
      const isBadge = path.startsWith("/badge/");
      if (path !== "/status" && !path.startsWith("/status/") && !isBadge) return false;
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD", ...securityHeaders }).end();
        return true;
      }
      const fail = () => {
        if (!response.headersSent) response.writeHead(500, securityHeaders);
        response.end();
      };
      const parts = path.split("/").slice(2).map(decode);
      if (parts.some((p) => p === undefined)) {
        notFound(request, response);
        return true;
      }
      const segments = parts as string[];
      if (isBadge) {
        badge(
          request,
          response,
          segments.length > 2 && (segments[0] === "tag" || segments[0] === "module")
            ? [`${segments[0]}/${segments[1]}`, ...segments.slice(2)]
            : segments,
          url.searchParams,
        ).catch(fail);
        return true;
      }
      if (path === "/status/status.css") {
        send(
          request,
          response,
          200,
          {
            "content-type": "text/css; charset=utf-8",
            "cache-control": "public, max-age=3600",
            ...securityHeaders,
          },
          statusPageCss,
        );
        return true;
      }
      if (path === "/status/favicon.svg") {
        send(
          request,
          response,
          200,
          { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400", ...imageHeaders },
          favicon,
        );
        return true;
      }
      if (path === "/status" || path === "/status/") {
        list(request, response);
        return true;
      }
      const wantsJson = (request.headers.accept ?? "").includes("application/json");
      if (segments.length === 2 && segments[1] === "logo") {
        logo(request, response, segments[0]!);
        return true;
      }
      const slug = segments.join("/");
      const asJson = slug.endsWith(".json") && !slug.includes("/");
      page(request, response, asJson ? slug.slice(0, -5) : slug, asJson || wantsJson, url.searchParams).catch(
        fail,
      );
      return true;
    },
  };
}
