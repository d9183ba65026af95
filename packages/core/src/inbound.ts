import type { z } from "zod";

/** The HTTP methods an {@link InboundRoute} may answer. */
export type InboundMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A request to an {@link InboundRoute}, read in full by the server: what a signature check needs. */
export interface InboundRequest {
  /** The HTTP method, upper case. */
  method: InboundMethod;
  /** The full path, without the query string (`"/integrations/slack/actions"`). */
  path: string;
  /** The query string's parameters. */
  query: URLSearchParams;
  /**
   * The path's `:name` segments, decoded (`{ id: "abc" }` for `/ping/:id` and `/integrations/x/ping/abc`).
   * @default {} (a route without parameters)
   */
  params?: Readonly<Record<string, string>> | undefined;
  /** The headers, names in lower case; a repeated header keeps its first value. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes of the body, as sent: signatures cover them. */
  body: Uint8Array;
}

/** What an {@link InboundRoute} answers. */
export interface InboundResponse {
  /** The HTTP status. */
  status: number;
  /**
   * Response headers.
   * @default `content-type: text/plain; charset=utf-8` and `cache-control: no-store`
   */
  headers?: Readonly<Record<string, string>> | undefined;
  /** The body. @default empty */
  body?: string | Uint8Array | undefined;
}

/** One route a plugin serves under `/integrations/<path>/`. */
export interface InboundRoute {
  /** The method it answers; another method on its path answers `405`. */
  method: InboundMethod;
  /**
   * Its path below the integration's, starting with `/` (`"/actions"` serves `/integrations/slack/actions`).
   * A segment `:name` matches any one non-empty segment, handed to the route in {@link InboundRequest.params}
   * (`"/ping/:id"`); a literal route wins over a parameterised one on the same path.
   */
  path: string;
  /**
   * The largest body accepted; a larger one is answered `413` without calling {@link handle}.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number | undefined;
  /**
   * Answers one request. The server does not authenticate it: the route checks the caller its own way
   * (a signature, a token of its own) before acting. Work that may outlast the answer (the caller wants
   * it within seconds) goes to {@link InboundRoutes.idle}. A throw answers `500`.
   */
  handle(request: InboundRequest): Promise<InboundResponse>;
}

/** A pino-style logger: fields first, then the message. Never log a setting's or a secret's value. */
export interface InboundLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** An incident to acknowledge through {@link IntegrationHost.acknowledgeIncident}. */
export interface IncidentAcknowledgement {
  module: string;
  monitor: string;
  /** The incident's key (`transition.incident.key`, which a handler may carry in what it sends). */
  incident: string;
  /** Who acknowledged it, as shown in the API and the dashboard (Slack's `<@U…>`). */
  by: string;
}

/**
 * The narrow part of the server an integration may use: what its routes may do to the state, nothing
 * more (no tokens, no environment, no modules' secrets).
 */
export interface IntegrationHost {
  /**
   * Acknowledges an incident through the replicated log, as `POST /incidents/…/ack` does.
   * @throws Error saying why when the log refuses it (no such incident, already resolved, no leader).
   */
  acknowledgeIncident(ack: IncidentAcknowledgement): Promise<void>;
  /** The server's logger, with the plugin's id in every line. */
  logger: InboundLogger;
  /** The server's clock, in milliseconds since the epoch. */
  now(): number;
  /**
   * Records heartbeat pings through the replicated log, for a sampler plugin whose monitors are pinged
   * (`@amstaff/sampler-heartbeat`).
   * @default absent (a host that records no pings: an older or embedded server)
   */
  heartbeats?: HeartbeatInbox | undefined;
}

/** What a heartbeat ping says: the job finished (`success`), began (`start`) or failed (`fail`). */
export type HeartbeatPingKind = "success" | "start" | "fail";

/** A heartbeat ping as a route received it. */
export interface HeartbeatPing {
  kind: HeartbeatPingKind;
  /** The exit code the job reported (`/ping/<id>/<exit-code>`). */
  exitCode?: number | undefined;
  /** The body the job sent (its log tail, say), cut by the host to a small size. */
  message?: string | undefined;
}

/**
 * What became of a ping: committed, answered without being committed because the same kind of ping of the
 * same monitor was committed within the last second (a chatty job cannot flood the log), or not one of
 * a monitor's ping ids.
 */
export type HeartbeatPingOutcome = "recorded" | "coalesced" | "unknown";

/** Where an integration's routes hand heartbeat pings, by the monitor's unguessable ping id. */
export interface HeartbeatInbox {
  /**
   * Commits a ping for the monitor whose ping id is `id`; any node accepts it.
   * @throws Error saying why when the log refuses it (no leader).
   */
  record(id: string, ping: HeartbeatPing): Promise<HeartbeatPingOutcome>;
}

/** What an integration's {@link Integration.routes} returns: its routes, and a way to wait for their work. */
export interface InboundRoutes {
  routes: readonly InboundRoute[];
  /**
   * Resolves when work started by earlier requests is done; the server awaits it when it stops.
   * @default nothing to wait for
   */
  idle?: (() => Promise<void>) | undefined;
}

/**
 * A plugin's inbound side: routes the server mounts under `/integrations/<path>/`, outside the API's
 * token auth. Its settings are server-side configuration (a signing secret), not module options: the
 * server reads them from the variables `AMSTAFF_<PATH>_<SETTING>` (the setting's name in upper snake case:
 * `slack` + `signingSecret` is `AMSTAFF_SLACK_SIGNING_SECRET`) or from `startServer({ integrations })`,
 * validates them with {@link settings} and mounts the routes only when at least one is set. The plugin
 * never reads the environment itself.
 */
export interface Integration<Settings extends z.ZodObject = z.ZodObject> {
  /** The path segment under `/integrations/`: lower case letters, digits and `-` (`"slack"`). */
  path: string;
  /**
   * The settings' schema: an object of string-valued settings (every one read from a variable), with
   * JSDoc saying what each is.
   */
  settings: Settings;
  /** Creates the routes once, at server start, from the validated settings and the host. */
  routes(settings: z.output<Settings>, host: IntegrationHost): InboundRoutes;
}

/** The pattern an {@link Integration.path} must match. */
export const integrationPathPattern: RegExp = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The environment variable a server reads an integration setting from: `AMSTAFF_<PATH>_<SETTING>`,
 * both in upper snake case (`integrationSettingVariable("slack", "signingSecret")` is
 * `"AMSTAFF_SLACK_SIGNING_SECRET"`).
 */
export function integrationSettingVariable(path: string, setting: string): string {
  const snake = (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/-/g, "_")
      .toUpperCase();
  return `AMSTAFF_${snake(path)}_${snake(setting)}`;
}
