import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { PluginDescriptor } from "@amstaff/core";
import { closeSandboxes, createCompiler } from "@amstaff/dsl/compiler";
import { createSlackInteractions } from "@amstaff/handler-slack";
import Database from "better-sqlite3";
import { type Logger, pino } from "pino";
import { type Clock, systemClock } from "./clock.js";
import { DeliveryWorker, type RetryPolicy } from "./deliveryWorker.js";
import { discoverPlugins, serverPackageDir } from "./discovery.js";
import { createHttpApi } from "./httpApi.js";
import { MonitorRunner } from "./monitorRunner.js";
import { Observations } from "./observations.js";
import { builtinPlugins, PluginRegistry } from "./plugins.js";
import { Scheduler } from "./scheduler.js";
import { SqliteLog } from "./sqliteLog.js";
import { StateMachine } from "./stateMachine.js";
import { loadToken, type TokenSource } from "./token.js";
import { version } from "./version.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Where state lives (a SQLite file and the token). Created if missing. */
  dataDir: string;
  /** The port of the HTTP API; 0 picks a free one. @default 7070 */
  port?: number;
  /** The address to listen on. @default "127.0.0.1" */
  host?: string;
  /** The API token, named `admin`; when absent, the data directory's, or a generated one. */
  token?: string | undefined;
  /**
   * More API tokens, by name (`{ ci: "…", alice: "…" }`). Every write records the name of the token
   * that made it, so give each pipeline and person their own.
   */
  tokens?: Readonly<Record<string, string>> | undefined;
  /**
   * The plugins this node offers. Default: the built-in ones plus every plugin package discovered
   * beside the server and in the working directory (see `discoverPlugins`).
   */
  plugins?: readonly PluginDescriptor[];
  /** The URL people reach this server at, for links in notifications (e.g. `https://amstaff.example.com`). */
  publicUrl?: string | undefined;
  /**
   * Slack's signing secret, to answer the Acknowledge buttons of Slack alerts at
   * `POST /integrations/slack/actions`; with `slackToken`, acknowledged messages are updated with
   * `chat.update`, otherwise through Slack's `response_url`.
   */
  slack?: { signingSecret: string; token?: string | undefined; apiUrl?: string | undefined } | undefined;
  /** Jobs that may run at once. @default 64 */
  concurrency?: number;
  /** Delivery retries. */
  retry?: Partial<RetryPolicy>;
  /** A pino logger, or a level for the default one. @default "info" */
  logger?: Logger | string;
  clock?: Clock;
}

/** A running Amstaff node. */
export interface AmstaffServer extends AsyncDisposable {
  /** The API's base URL, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly tokenSource: TokenSource;
  readonly tokenPath: string;
  readonly dataDir: string;
  /** Stops sampling and delivering, finishes the requests under way and closes the state. */
  stop(): Promise<void>;
}

/**
 * Starts an Amstaff node: the state machine on its SQLite log, the scheduler running the modules, the
 * delivery worker, and the HTTP API.
 *
 * @example
 * ```ts
 * await using server = await startServer({ dataDir: "./amstaff-data", port: 0 });
 * console.log(server.url, server.token);
 * ```
 */
export async function startServer(options: ServerOptions): Promise<AmstaffServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = typeof options.logger === "object" ? options.logger : createLogger(options.logger ?? "info");
  const clock = options.clock ?? systemClock;
  const { token, source: tokenSource, path: tokenPath } = loadToken(dataDir, options.token);

  const db = new Database(join(dataDir, "amstaff.db"));
  db.pragma("journal_mode = WAL");
  // FULL makes every committed transaction durable before it is acknowledged: a command is on disk
  // before it is applied, and before any notification it causes is sent.
  db.pragma("synchronous = FULL");

  const machine = new StateMachine();
  const log = new SqliteLog(db, machine);
  const plugins = new PluginRegistry(options.plugins ?? (await installedPlugins(logger)));
  const observations = new Observations(db);
  const scheduler = new Scheduler({
    clock,
    concurrency: options.concurrency ?? 64,
    onSkip: (key) =>
      logger.warn({ monitor: key.replace("\u0000", " / ") }, "previous probe still running; run skipped"),
  });
  const runner = new MonitorRunner({ machine, log, plugins, scheduler, observations, clock, logger });
  const deliveries = new DeliveryWorker({
    machine,
    log,
    plugins,
    clock,
    logger,
    retry: options.retry,
    publicUrl: options.publicUrl,
  });
  machine.onApply((command) => {
    if (command.type === "module.put" || command.type === "module.delete") runner.reconcile();
    if (
      command.type === "transition.record" ||
      command.type === "delivery.attempt" ||
      command.type === "incident.remind"
    ) {
      deliveries.kick();
    }
  });
  if (machine.clusterId === undefined)
    await log.propose({ type: "cluster.init", clusterId: randomUUID(), at: clock.now() });

  const flushTimer = setInterval(() => {
    try {
      observations.flush();
    } catch (error) {
      logger.error({ err: error }, "could not save the latest results; will retry");
    }
  }, 2_000);
  flushTimer.unref();

  // Declarations of plugins resolve from where the server is installed, as their code does.
  // A module that needs a secret this node lacks is refused at push time, not at its first delivery.
  const compiler = createCompiler({
    filename: "module.ts",
    plugins: plugins.list(),
    resolveFrom: serverPackageDir,
    secrets: (name) => process.env[name],
  });
  const compile = (source: string) => compiler.compile(source);
  // Warm the compiler (TypeScript's declarations, the sandbox process) so the first push is as fast as the next.
  await compiler.warm();

  // Slack signs its interactivity requests instead of sending our token, so they bypass the API's auth.
  const slackActions = options.slack
    ? createSlackInteractions({
        signingSecret: options.slack.signingSecret,
        token: options.slack.token,
        apiUrl: options.slack.apiUrl,
        onAcknowledge: async ({ module, monitor, incidentKey, user }) => {
          const applied = await log.propose({
            type: "incident.ack",
            module,
            monitor,
            incident: incidentKey,
            by: `<@${user.id}>`,
            at: clock.now(),
          });
          if (!applied.ok) throw new Error(applied.reason);
          logger.info(
            { module, monitor, incident: incidentKey, by: user.name },
            "incident acknowledged in Slack",
          );
        },
        onError: (error) => logger.warn({ err: error }, "could not update the acknowledged Slack message"),
      })
    : undefined;
  const api = createHttpApi({
    machine,
    log,
    compile,
    plugins: () => plugins.list(),
    observations,
    scheduler,
    clock,
    logger,
    tokens: new Map([["admin", token], ...Object.entries(options.tokens ?? {})]),
    version,
  });
  const http: Server = createServer((request, response) => {
    if (slackActions && request.url === "/integrations/slack/actions") slackActions(request, response);
    else api(request, response);
  });
  http.requestTimeout = 30_000;
  await new Promise<void>((resolveListen, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 7070, options.host ?? "127.0.0.1", () => resolveListen());
  });
  const address = http.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  runner.reconcile();
  deliveries.kick();
  logger.info({ url, dataDir, modules: machine.modules().length, version }, "amstaff server started");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("stopping");
      const closed = new Promise((r) => http.close(r));
      http.closeIdleConnections();
      await scheduler.stop();
      runner.stop();
      await deliveries.stop();
      await log.close();
      clearInterval(flushTimer);
      try {
        observations.flush();
      } finally {
        db.close();
      }
      http.closeAllConnections();
      await closed;
      await closeSandboxes();
      logger.info("stopped");
    })();
    return stopping;
  };

  return {
    url,
    port: address.port,
    token,
    tokenSource,
    tokenPath,
    dataDir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The built-in plugins, and those of every plugin package installed beside the server. */
async function installedPlugins(logger: Logger): Promise<PluginDescriptor[]> {
  const { plugins, problems } = await discoverPlugins([serverPackageDir, process.cwd()]);
  for (const problem of problems) logger.warn(problem, "plugin package skipped");
  const byId = new Map<string, PluginDescriptor>(builtinPlugins.map((p) => [p.id, p]));
  for (const { descriptor, package: name, version } of plugins) {
    if (byId.has(descriptor.id)) continue;
    byId.set(descriptor.id, descriptor);
    logger.info(
      { plugin: descriptor.id, kind: descriptor.kind, package: name, version },
      "plugin discovered",
    );
  }
  return [...byId.values()];
}

/** The default logger: JSON lines on stdout, never the token or a secret header. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "amstaff" },
    redact: ["req.headers.authorization", "headers.authorization", "*.token", "token"],
  });
}
