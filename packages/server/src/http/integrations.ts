import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AmstaffError,
  formatIssues,
  type InboundMethod,
  type InboundRoute,
  type IntegrationHost,
  integrationPathPattern,
  integrationSettingVariable,
  type PluginDescriptor,
} from "@amstaff/core";
import type { Logger } from "pino";

/** Settings of plugins' integrations, by integration path: `{ slack: { signingSecret: "…" } }`. */
export type IntegrationSettings = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Options of {@link mountIntegrations}. */
export interface MountIntegrationsOptions {
  /**
   * The installed plugins; those with an `integration` are mounted when it has settings (or has none to
   * set: an integration with an empty settings schema is always mounted).
   */
  plugins: readonly PluginDescriptor[];
  /** Settings given directly, by path; they win over the environment's, setting by setting. */
  settings?: IntegrationSettings | undefined;
  /**
   * Where `AMSTAFF_<PATH>_<SETTING>` variables are read: only the variables an integration's settings
   * schema declares, never any other.
   * @default {} (none)
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** What the routes may do to the server, for a plugin (its logger names the plugin). */
  host: (plugin: PluginDescriptor) => IntegrationHost;
  /**
   * Short paths served as an integration's: `{ "/ping/": "/integrations/heartbeat/ping/" }` serves
   * `/ping/abc` as `/integrations/heartbeat/ping/abc` (the URL a job's one-liner calls stays short).
   * @default {} (none)
   */
  shortPaths?: Readonly<Record<string, string>> | undefined;
  logger: Logger;
}

/** The integrations a server serves under `/integrations/`. */
export interface MountedIntegrations {
  /** The paths served (`["slack"]`), for the start log. */
  paths: readonly string[];
  /**
   * Answers a request under `/integrations/<path>/` that a mounted route matches (`405` for another
   * method on its path) and returns true; returns false, untouched, for any other request.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /** Resolves when the work the routes started after answering is done. */
  idle(): Promise<void>;
}

const defaultMaxBodyBytes = 1024 * 1024;
const prefix = "/integrations/";

/**
 * Validates the settings of every installed plugin's integration and mounts the routes of those that
 * have any, outside the API's token auth: each route checks its callers its own way.
 * @throws AmstaffError `AMS_ERR_PLUGIN_SETTINGS` for invalid settings or two plugins on one path.
 */
export function mountIntegrations(options: MountIntegrationsOptions): MountedIntegrations {
  const byPath = new Map<string, { plugin: string; routes: readonly InboundRoute[] }>();
  const idles: (() => Promise<void>)[] = [];
  for (const plugin of options.plugins) {
    const integration = plugin.integration;
    if (!integration) continue;
    if (!integrationPathPattern.test(integration.path)) {
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_SETTINGS",
        `${plugin.id} declares the integration path "${integration.path}"; use lower case letters, digits and "-". Ask its authors to fix it, or uninstall it.`,
      );
    }
    const claimed = byPath.get(integration.path);
    if (claimed) {
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_SETTINGS",
        `${plugin.id} and ${claimed.plugin} both serve /integrations/${integration.path}/; uninstall one of them.`,
      );
    }
    const given: Record<string, unknown> = {};
    for (const key of Object.keys(integration.settings.shape)) {
      const value =
        options.settings?.[integration.path]?.[key] ??
        options.env?.[integrationSettingVariable(integration.path, key)];
      // An empty variable is an unset one, as everywhere else in the server's configuration.
      if (value !== undefined && value !== "") given[key] = value;
    }
    const settable = Object.keys(integration.settings.shape).length > 0;
    if (settable && Object.keys(given).length === 0) {
      byPath.set(integration.path, { plugin: plugin.id, routes: [] });
      continue;
    }
    const parsed = integration.settings.safeParse(given);
    if (!parsed.success) {
      // zod's messages name the setting, never its value: a setting may be a secret.
      const variables = parsed.error.issues.map((issue) =>
        integrationSettingVariable(integration.path, String(issue.path[0] ?? "")),
      );
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_SETTINGS",
        `Invalid settings for ${plugin.id}'s integration: ${formatIssues(parsed.error.issues)}. Fix ${[...new Set(variables)].join(", ")} (or startServer's integrations.${integration.path}).`,
      );
    }
    const mounted = integration.routes(parsed.data, options.host(plugin));
    byPath.set(integration.path, { plugin: plugin.id, routes: mounted.routes });
    if (mounted.idle) idles.push(mounted.idle);
  }

  const handle = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = expandShortPath(request.url ?? "/", options.shortPaths ?? {});
    if (!url.startsWith(prefix)) return false;
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const slash = path.indexOf("/", prefix.length);
    const integration = byPath.get(path.slice(prefix.length, slash === -1 ? undefined : slash));
    if (!integration || slash === -1) return false;
    const subPath = path.slice(slash);
    const onPath = integration.routes
      .map((route) => ({ route, params: matchPath(route.path, subPath) }))
      .filter((match): match is { route: InboundRoute; params: Record<string, string> } => !!match.params)
      // The most literal route wins: `/ping/:id/start` before `/ping/:id/:code`.
      .sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
    if (onPath.length === 0) return false;
    const matched = onPath.find((m) => m.route.method === request.method);
    if (!matched) {
      request.resume();
      const allowed = [...new Set(onPath.map((m) => m.route.method))];
      reply(response, { status: 405, headers: { allow: allowed.join(", ") } }, "method not allowed");
      return true;
    }
    const { route, params } = matched;
    serve(route, params, request, response, path, queryAt === -1 ? "" : url.slice(queryAt + 1)).catch(
      (error) => {
        options.logger.error({ err: error, plugin: integration.plugin, path }, "an integration route failed");
        reply(response, { status: 500 }, "internal error");
      },
    );
    return true;
  };

  return {
    paths: [...byPath].filter(([, i]) => i.routes.length > 0).map(([path]) => path),
    handle,
    idle: async () => {
      await Promise.all(idles.map((idle) => idle()));
    },
  };
}

/** Rewrites a short path (see {@link MountIntegrationsOptions.shortPaths}) to its integration's. */
function expandShortPath(url: string, shortPaths: Readonly<Record<string, string>>): string {
  for (const [short, full] of Object.entries(shortPaths)) {
    if (url.startsWith(short)) return full + url.slice(short.length);
  }
  return url;
}

/** The `:name` segments of `path` when it matches a route's `pattern`; undefined when it does not. */
function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const wanted = pattern.split("/");
  const given = path.split("/");
  if (wanted.length !== given.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of wanted.entries()) {
    const value = given[i] ?? "";
    if (!segment.startsWith(":")) {
      if (segment !== value) return undefined;
      continue;
    }
    if (value === "") return undefined;
    try {
      params[segment.slice(1)] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return params;
}

async function serve(
  route: InboundRoute,
  params: Readonly<Record<string, string>>,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const body = await readBody(request, route.maxBodyBytes ?? defaultMaxBodyBytes);
  if (body === "too-large") {
    response.setHeader("connection", "close");
    response.on("finish", () => request.destroy());
    reply(response, { status: 413 }, "request too large");
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value[0] : value;
  }
  const answer = await route.handle({
    method: route.method as InboundMethod,
    path,
    query: new URLSearchParams(query),
    params,
    headers,
    body,
  });
  reply(response, answer, answer.body);
}

function reply(
  response: ServerResponse,
  answer: { status: number; headers?: Readonly<Record<string, string>> | undefined },
  body: string | Uint8Array | undefined,
): void {
  if (response.headersSent) return;
  response.writeHead(answer.status, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    ...answer.headers,
  });
  response.end(body ?? "");
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      // Stop buffering and answer now; the connection is closed once the answer is sent.
      if (size > maxBytes) resolve("too-large");
      else chunks.push(chunk);
    });
    request.on("end", () => resolve(size > maxBytes ? "too-large" : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
