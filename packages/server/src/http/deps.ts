import type { PluginDescriptor } from "@amstaff/core";
import type { CompileResult } from "@amstaff/dsl/compiler";
import type { HttpBindings } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Logger } from "pino";
import type { Principal } from "../access/access.js";
import type { Clock } from "../clock.js";
import type { ServerMetrics } from "../runtime/metrics.js";
import type { Observations } from "../runtime/observations.js";
import type { SampleHistory } from "../runtime/sampleHistory.js";
import type { Scheduler } from "../runtime/scheduler.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";

/**
 * What a push compiles a module for: the team it will belong to (the pushing token's, the one an admin
 * names with `?team=`, or the team an existing module already belongs to), so that what a module may
 * use (its secrets' grants) can depend on it.
 */
export interface CompileContext {
  team: string;
}

/** Who the API's tokens are. */
export interface TokenResolver {
  /** The principal of a presented token, or undefined when the server does not know it. */
  resolve(token: string): Principal | undefined;
}

/** What the HTTP API works with. */
export interface HttpApiDeps {
  machine: StateMachine;
  log: ReplicatedLog;
  /** Compiles a pushed (or rolled back) module's source for the team it belongs to. */
  compile: (source: string, context: CompileContext) => Promise<CompileResult>;
  plugins: () => readonly PluginDescriptor[];
  observations: Observations;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
  /** The API's tokens: each has a name (recorded with every write it makes), a team and a role. */
  tokens: TokenResolver;
  /** This node's sample history, for `GET /modules/:module/monitors/:monitor/samples`. */
  history?: SampleHistory | undefined;
  /** The node's metrics, for `GET /metrics`. */
  metrics?: ServerMetrics | undefined;
  /** Serve `GET /metrics` without a token. @default false */
  metricsPublic?: boolean | undefined;
  version: string;
  /** Largest accepted request body in bytes. @default 1048576 */
  maxBodyBytes?: number;
  /** A linearizable read barrier (ReadIndex), run before a `GET` with `?consistent=true`. */
  consistentRead?: () => Promise<void>;
  /**
   * More route groups (the cluster's, the dashboard's), each registering its routes on the app:
   * authenticated like the others; a group's admin-only changes use the `adminAudited` middleware.
   */
  extraRoutes?: readonly ((app: ApiApp) => void)[] | undefined;
}

/** What the API's middleware puts on every request's context. */
export interface ApiVariables {
  /** The id echoed in `x-request-id` and written with every log line of the request. */
  requestId: string;
  /** Who is calling: the token's principal, or {@link anonymous} on the routes open without a token. */
  caller: Principal;
}

/** The Hono environment of the API: Node's request and response, and {@link ApiVariables}. */
export interface ApiEnv {
  Bindings: HttpBindings;
  Variables: ApiVariables;
}

/** The API's Hono app, routes declared with their OpenAPI contract. */
export type ApiApp = OpenAPIHono<ApiEnv>;

/** The caller of the routes served without a token (`GET /health`, a public `GET /metrics`, the contract). */
export const anonymous: Principal = { name: "anonymous", team: "", role: "read" };
