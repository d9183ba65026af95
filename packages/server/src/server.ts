import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { AmstaffError, type PluginDescriptor, type PluginHost, secretNames } from "@amstaff/core";
import { closeSandboxes, createCompiler } from "@amstaff/dsl/compiler";
import { type Message, type RaftTransport, TcpTransport } from "@amstaff/raft";
import Database from "better-sqlite3";
import { type DestinationStream, type Logger, pino } from "pino";
import pinoPretty from "pino-pretty";
import { SecretStore, type SecretStoreOptions, secretReferenceWarnings } from "./access/secretStore.js";
import { environmentTokens, loadToken, type TokenSource } from "./access/token.js";
import { TokenRegistry } from "./access/tokenRegistry.js";
import { type Clock, systemClock } from "./clock.js";
import { Cluster, type ClusterTiming, electionTicksOf, raftTickMs } from "./cluster/cluster.js";
import { ClusterHttp, type ClusterTlsFiles } from "./cluster/clusterHttp.js";
import { listenOn, startInternalListener } from "./cluster/internalListener.js";
import { migrateSqliteLog, RaftLog } from "./cluster/raftLog.js";
import { createDashboard } from "./http/dashboard/dashboard.js";
import type { StatusPageSelection } from "./http/dashboard/statusPage.js";
import type { CompileContext } from "./http/deps.js";
import { createHttpApi } from "./http/httpApi.js";
import { type IntegrationSettings, mountIntegrations } from "./http/integrations.js";
import { clusterRoutes } from "./http/routes/cluster.js";
import { dashboardRoutes } from "./http/routes/dashboard.js";
import { discoverPlugins, serverPackageDir } from "./plugins/discovery.js";
import { createFileAccess } from "./plugins/fileAccess.js";
import { builtinPlugins, PluginRegistry } from "./plugins/plugins.js";
import { DeliveryWorker, type RetryPolicy } from "./runtime/deliveryWorker.js";
import { ServerMetrics } from "./runtime/metrics.js";
import { MonitorRunner } from "./runtime/monitorRunner.js";
import { Observations } from "./runtime/observations.js";
import { SampleHistory } from "./runtime/sampleHistory.js";
import { Scheduler } from "./runtime/scheduler.js";
import { describeMonitorKey } from "./state/monitorKey.js";
import { StateMachine } from "./state/stateMachine.js";
import { version } from "./version.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Where state lives (a SQLite file and the token). Created if missing. */
  dataDir: string;
  /** The port of the HTTP API; 0 picks a free one. @default 7070 */
  port?: number;
  /** The address to listen on. @default "127.0.0.1" */
  host?: string;
  /**
   * The API token, named `admin`, role admin, team `default`; when absent, the data directory's, or a
   * generated one.
   */
  token?: string | undefined;
  /**
   * More API tokens, by name (`{ ci: "…", alice: "…" }`): role write, team `default` (see "Teams and
   * tokens" in the README). Every write records the name of the token that made it, so give each
   * pipeline and person their own.
   */
  tokens?: Readonly<Record<string, string>> | undefined;
  /**
   * Read-only API tokens, by name (`{ grafana: "…" }`): role read, team `default`; they may call `GET`
   * endpoints (and scrape `/metrics`) only; any other method answers `403`.
   */
  readTokens?: Readonly<Record<string, string>> | undefined;
  /**
   * A tokens file (`amstaff-server token create` writes it): named tokens with a team and a role, kept
   * as SHA-256 hashes, read again when it changes.
   */
  tokensFile?: string | undefined;
  /** Retention of the sample history. */
  history?: { rawDays?: number | undefined; rollupDays?: number | undefined } | undefined;
  /** Serve `GET /metrics` without a token. @default false */
  metricsPublic?: boolean | undefined;
  /**
   * The plugins this node offers. Default: the built-in ones plus every plugin package discovered
   * beside the server and in the working directory (see `discoverPlugins`).
   */
  plugins?: readonly PluginDescriptor[];
  /** The URL people reach this server at, for links in notifications (e.g. `https://amstaff.example.com`). */
  publicUrl?: string | undefined;
  /**
   * Settings of plugins' integrations (routes under `/integrations/<path>/`), by path:
   * `{ slack: { signingSecret, token } }` answers Slack's Acknowledge buttons. An integration is served
   * only when it has settings, here or in `integrationEnv`; these win.
   * @default {} (only those of `integrationEnv`)
   */
  integrations?: IntegrationSettings | undefined;
  /**
   * Where integrations' settings are read as `AMSTAFF_<PATH>_<SETTING>` variables
   * (`AMSTAFF_SLACK_SIGNING_SECRET`): only the settings each installed integration declares are read.
   * The CLI passes its environment.
   * @default {} (none)
   */
  integrationEnv?: Readonly<Record<string, string | undefined>> | undefined;
  /** @deprecated Use `integrations: { slack: { signingSecret, token, apiUrl } }`; the same. */
  slack?: { signingSecret: string; token?: string | undefined; apiUrl?: string | undefined } | undefined;
  /**
   * Where modules' `secret("NAME")` references are resolved, and who may use which: a store, or its
   * options (`AMSTAFF_SECRET_<NAME>` variables, a secrets directory, grants). Nothing else of the
   * environment is ever readable by a module.
   * @default a store of this process' `AMSTAFF_SECRET_*` variables, with no grants (no module may use any)
   */
  secrets?: SecretStore | SecretStoreOptions | undefined;
  /** Jobs that may run at once. @default 64 */
  concurrency?: number;
  /** Delivery retries. */
  retry?: Partial<RetryPolicy>;
  /** A pino logger, or a level for the default one. @default "info" */
  logger?: Logger | string;
  clock?: Clock;
  /**
   * This node's id in the cluster. Kept in `<data-dir>/node-id` on first start; a later start with a
   * different id is refused. @default the stored one, else a generated one
   */
  nodeId?: string | undefined;
  /** The other founding nodes' Raft addresses, `{ b: "10.0.0.2:7170" }`. @default {} (a cluster of one) */
  peers?: Readonly<Record<string, string>> | undefined;
  /** The port Raft listens on; needed for a cluster (0 picks a free one). @default none (no Raft network) */
  raftPort?: number | undefined;
  /** The address Raft listens on and that other nodes dial. @default `host` */
  raftHost?: string | undefined;
  /** The secret every node of the cluster shares (16 characters or more); needed with `raftPort`. */
  clusterSecret?: string | undefined;
  /**
   * Mutual TLS for node traffic (Raft and the internal endpoints): the cluster CA and this node's
   * certificate and key, as PEM (`amstaff-server certs` makes them). A node with `raftPort` needs this,
   * or `insecureClusterTransport`.
   */
  clusterTls?: ClusterTlsFiles | undefined;
  /**
   * Let a cluster run with node traffic in clear (authenticated with the secret, not encrypted): only
   * for a network nobody else can reach, or tests. @default false
   */
  insecureClusterTransport?: boolean | undefined;
  /**
   * The port of the internal listener, which serves the node-to-node endpoints (`/_cluster/*`) on
   * `raftHost`, over mutual TLS with `clusterTls`. @default 0 (a free port, announced to the cluster)
   */
  clusterHttpPort?: number | undefined;
  /** HTTPS for the API: a certificate (its chain) and key, as PEM. @default none: plain HTTP */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** Start empty and wait to be added to an existing cluster (`POST /cluster/members`). @default false */
  join?: boolean | undefined;
  /** The API URL other nodes reach this one at. @default the URL it listens on */
  advertiseUrl?: string | undefined;
  /** Lease and reassignment timing. */
  clusterTiming?: Partial<ClusterTiming> | undefined;
  /**
   * The directories SQLite samplers may open files under (symlinks resolved; never the data directory,
   * even inside one of them). A module naming another file is refused at push.
   * @default [] (every `sqlite()` is refused)
   */
  sqliteRoots?: readonly string[] | undefined;
  /** Test-only: enables `POST /cluster/fault` (cut this node off the cluster). @default false */
  faultInjection?: boolean | undefined;
  /**
   * How often open incidents are checked for escalation stages, reminders and alerts no longer held
   * back, besides after every sample. A testing knob: lower it to see escalations on time in tests.
   * @default 5000
   */
  incidentTickMs?: number | undefined;
  /**
   * What the public status pages (`/status/tag/<tag>`, `/status/module/<name>`, no token) publish.
   * @default nothing: every status page answers 404
   */
  statusPages?: StatusPageSelection | undefined;
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
  readonly nodeId: string;
  /** The port Raft listens on, when it does. */
  readonly raftPort: number | undefined;
  /** Stops sampling and delivering, finishes the requests under way and closes the state. */
  stop(): Promise<void>;
}

/**
 * Starts an Amstaff node: the state machine on its Raft log (a cluster of one unless peers are given),
 * the scheduler running the modules this node owns, the delivery worker, and the HTTP API.
 *
 * @example
 * ```ts
 * await using server = await startServer({ dataDir: "./amstaff-data", port: 0 });
 * console.log(server.url, server.token);
 * ```
 */
export async function startServer(options: ServerOptions): Promise<AmstaffServer> {
  const { rawDays = 7, rollupDays = 90 } = options.history ?? {};
  if (!(rawDays > 0 && rollupDays >= rawDays)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `History retention: raw days (${rawDays}) must be positive and at most the rollup days (${rollupDays}).`,
    );
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = typeof options.logger === "object" ? options.logger : createLogger(options.logger ?? "info");
  const clock = options.clock ?? systemClock;
  const { token, source: tokenSource, path: tokenPath } = loadToken(dataDir, options.token);
  const tokens = new TokenRegistry({
    tokens: environmentTokens(token, options.tokens, options.readTokens),
    file: options.tokensFile === undefined ? undefined : resolve(options.tokensFile),
    clock,
    onReloadError: (message) => logger.error(`tokens file not reloaded: ${message}`),
  });
  const legacyWriters = Object.keys(options.tokens ?? {});
  if (legacyWriters.length > 0) {
    // Their meaning changed when tokens got teams and roles: say so rather than break silently.
    logger.warn(
      { tokens: legacyWriters },
      'AMSTAFF_TOKENS: these tokens are now role "write" of team "default": they push, delete, roll back, ack and silence team "default"\'s modules (every module pushed before teams existed) but no longer change cluster membership, other teams\' modules or silences of every module. Give them a team and role in a tokens file (amstaff-server token create), or use the admin token for cluster changes.',
    );
  }

  // Before anything else starts: a broken secrets directory or grants file stops the server here.
  const secrets =
    options.secrets instanceof SecretStore
      ? options.secrets
      : new SecretStore({
          ...options.secrets,
          onWarning: (message) => logger.warn(message),
        });

  const nodeId = loadNodeId(dataDir, options.nodeId);
  const peers = options.peers ?? {};
  if (Object.keys(peers).length > 0 && options.raftPort === undefined) {
    throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "A cluster needs a Raft port (--raft-port).");
  }
  if (options.raftPort !== undefined && (options.clusterSecret ?? "").length < 16) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "A cluster needs a shared secret of 16 characters or more (AMSTAFF_CLUSTER_SECRET).",
    );
  }
  if (options.raftPort !== undefined && !options.clusterTls && !options.insecureClusterTransport) {
    throw new AmstaffError(
      "AMS_ERR_CLUSTER_TLS",
      [
        "A cluster node encrypts its traffic to the other nodes: give it the cluster's certificates with",
        "--cluster-ca, --cluster-cert and --cluster-key. Make them once for the whole cluster with",
        "  amstaff-server certs --out ./certs --nodes a=10.0.0.1,b=10.0.0.2,c=10.0.0.3",
        "then copy ca.pem and each node's <id>.pem and <id>-key.pem to that node. To run without encryption",
        "on a network nobody else can reach, pass --insecure-cluster-transport.",
      ].join("\n"),
    );
  }
  if (options.insecureClusterTransport && options.raftPort !== undefined && !options.clusterTls) {
    logger.warn(
      "node traffic is NOT encrypted (--insecure-cluster-transport): anyone on the network between nodes can read it",
    );
  }

  const db = new Database(join(dataDir, "amstaff.db"));
  db.pragma("journal_mode = WAL");
  // FULL makes every committed transaction durable before it is acknowledged: a command is on disk
  // before it is applied, and before any notification it causes is sent.
  db.pragma("synchronous = FULL");
  const raftPath = join(dataDir, "raft.db");
  const migrated = migrateSqliteLog(db, raftPath, nodeId);
  if (migrated !== undefined) logger.info({ index: migrated }, "moved the single-node log to Raft");

  let isolated = false;
  const raftHost = options.raftHost ?? options.host ?? "127.0.0.1";
  const tcp =
    options.raftPort === undefined
      ? undefined
      : new TcpTransport({
          id: nodeId,
          secret: options.clusterSecret!,
          listen: { host: raftHost, port: options.raftPort },
          peers: Object.fromEntries(
            Object.entries(peers).map(([id, address]) => [id, parseAddress(address)]),
          ),
          logger: {
            // Refused certificates are a misconfiguration to fix; reconnects and resets are routine.
            warn: (message, details) =>
              (message.includes("TLS") ? logger.warn : logger.debug).call(
                logger,
                { ...details },
                `raft transport: ${message}`,
              ),
          },
          ...(options.clusterTls ? { tls: options.clusterTls } : {}),
        });
  const transport = faultyTransport(tcp, () => isolated);
  const internalToken = options.clusterSecret
    ? createHmac("sha256", options.clusterSecret).update("amstaff-internal-v1").digest("hex")
    : randomBytes(32).toString("hex");
  const clusterHttp = new ClusterHttp({ internalToken, tls: options.clusterTls });

  const machine = new StateMachine();
  machine.onApply((command, result) => {
    if (!tcp || !result.ok) return;
    if ((command.type === "node.add" || command.type === "node.announce") && command.node !== nodeId) {
      if (command.raftAddress) tcp.setPeer(command.node, parseAddress(command.raftAddress));
    }
  });
  const log = await RaftLog.open({
    nodeId,
    path: raftPath,
    machine,
    transport,
    initialMembers: options.join ? undefined : [nodeId, ...Object.keys(peers)],
    http: clusterHttp,
    logger,
    tickMs: raftTickMs,
    electionTicks: electionTicksOf(options.clusterTiming),
  });
  const raftPort = tcp?.address().port;
  const pluginHost: PluginHost = { files: createFileAccess({ roots: options.sqliteRoots, dataDir }) };
  const plugins = new PluginRegistry(
    options.plugins ?? (await installedPlugins(logger)),
    secrets,
    pluginHost,
  );
  const observations = new Observations(db);
  const history = new SampleHistory(db, {
    clock,
    logger,
    rawDays,
    rollupDays,
  });
  const scheduler = new Scheduler({
    clock,
    concurrency: options.concurrency ?? 64,
    onSkip: (key) =>
      logger.warn({ monitor: describeMonitorKey(key) }, "previous probe still running; run skipped"),
    onRun: (latenessMs) => metrics.lateness(latenessMs),
  });
  const metrics = new ServerMetrics({
    machine,
    scheduler,
    history,
    version,
    raft: () => ({
      role: log.raft.role,
      term: log.raft.term,
      commitIndex: log.raft.commitIndex,
      appliedIndex: log.raft.appliedIndex,
    }),
  });
  log.raft.on("leader", () => metrics.leaderChanged());
  const dashboard = createDashboard({
    machine,
    observations,
    clock,
    statusPages: options.statusPages,
  });
  observations.onRecord((module, monitor) => dashboard.observed(module, monitor));
  // The cluster needs the API's URL, which is known once the HTTP server listens: it is created then.
  let cluster: Cluster | undefined;
  const ownership = {
    mayRun: (module: string) => cluster?.mayRun(module) ?? false,
    fence: (module: string) => cluster?.fence(module),
  };
  const runner = new MonitorRunner({
    machine,
    log,
    plugins,
    scheduler,
    observations,
    clock,
    logger,
    ownership,
    incidentTickMs: options.incidentTickMs,
    observer: {
      sample: (module, monitor, result) => {
        history.record(module, monitor, result);
        metrics.sample(module, result);
      },
      transition: (module, _monitor, from, to) => metrics.transition(module, from, to),
    },
  });
  const deliveries = new DeliveryWorker({
    machine,
    log,
    plugins,
    clock,
    logger,
    retry: options.retry,
    publicUrl: options.publicUrl,
    ownership,
    onAttempt: (plugin, outcome, durationMs) => metrics.deliveryAttempt(plugin, outcome, durationMs),
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

  const flushTimer = setInterval(() => {
    try {
      observations.flush();
    } catch (error) {
      logger.error({ err: error }, "could not save the latest results; will retry");
    }
  }, 2_000);
  flushTimer.unref();

  // Declarations of plugins resolve from where the server is installed, as their code does.
  // A module that names a secret it may not use is refused at push time, not at its first delivery.
  // Grants to a team apply to the team the module belongs to (the API passes it with every compile).
  const compiler = createCompiler({
    filename: "module.ts",
    plugins: plugins.list(),
    resolveFrom: serverPackageDir,
    secrets: secrets.check,
    host: pluginHost,
  });
  const compile = (source: string, { team }: CompileContext) => compiler.compile(source, { team });
  // Warm the compiler (TypeScript's declarations, the sandbox process) so the first push is as fast as the next.
  await compiler.warm();

  // Plugins' inbound routes authenticate their callers their own way (Slack signs its requests), so
  // they are mounted outside the API's token auth; they reach the state only through this host.
  const integrations = mountIntegrations({
    plugins: plugins.list(),
    settings: options.slack ? { slack: options.slack, ...options.integrations } : options.integrations,
    env: options.integrationEnv,
    logger,
    host: (plugin) => ({
      acknowledgeIncident: async ({ module, monitor, incident, by }) => {
        const applied = await log.propose({
          type: "incident.ack",
          module,
          monitor,
          incident,
          by,
          at: clock.now(),
        });
        if (!applied.ok) throw new Error(applied.reason);
      },
      logger: logger.child({ plugin: plugin.id }),
      now: () => clock.now(),
    }),
  });
  const api = createHttpApi({
    machine,
    log,
    compile,
    plugins: () => plugins.list(),
    observations,
    scheduler,
    clock,
    logger,
    tokens,
    history,
    metrics,
    metricsPublic: options.metricsPublic ?? false,
    version,
    consistentRead: () => log.readBarrier(),
    extraRoutes: [
      clusterRoutes({
        cluster: () => cluster,
        isolate: options.faultInjection
          ? (value) => {
              isolated = value;
            }
          : undefined,
        log,
        clock,
        logger,
      }),
      dashboardRoutes(dashboard, { machine, observations, scheduler, clock, logger }),
    ],
  });
  const internal = (request: IncomingMessage, response: ServerResponse, peer?: string) => {
    if (!cluster) {
      request.resume();
      response.writeHead(503).end();
      return;
    }
    cluster.handleInternal(request, response, peer);
  };
  // Node-to-node endpoints are served on the API listener only by a node without an internal listener
  // (a cluster of one) or with node traffic in clear (so nodes of a version without the internal
  // listener still reach it during a rolling upgrade); with certificates, only the internal listener
  // serves them, so the internal token is never accepted where the public certificate is.
  const internalOnApi = tcp === undefined || !options.clusterTls;
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (integrations.handle(request, response)) return;
    // The dashboard's files and the public status pages need no token; its data does (through the API).
    if (dashboard.handlePublic(request, response)) return;
    if (!Cluster.isInternal(request.url) || !internalOnApi) return api(request, response);
    internal(request, response);
  };
  const http: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: "TLSv1.2" }, onRequest)
    : createServer(onRequest);
  http.requestTimeout = 30_000;
  const url = await listenOn(
    http,
    options.port ?? 7070,
    options.host ?? "127.0.0.1",
    options.tls ? "https" : "http",
  );
  const address = http.address() as AddressInfo;

  let internalHttp: Server | undefined;
  let internalUrl: string | undefined;
  if (tcp) {
    try {
      ({ server: internalHttp, url: internalUrl } = await startInternalListener({
        host: raftHost,
        port: options.clusterHttpPort,
        tls: options.clusterTls,
        handle: internal,
        isInternal: Cluster.isInternal,
        logger,
      }));
    } catch (error) {
      http.close();
      await log.close();
      db.close();
      throw error;
    }
  }

  cluster = new Cluster({
    nodeId,
    log,
    machine,
    clock,
    logger,
    internalToken,
    http: clusterHttp,
    apiUrl: options.advertiseUrl?.replace(/\/$/, "") ?? url,
    internalUrl,
    raftAddress: raftPort === undefined ? undefined : `${raftHost}:${raftPort}`,
    timing: options.clusterTiming,
    isolated: () => isolated,
  });
  cluster.onChange(() => {
    runner.reconcile();
    deliveries.kick();
  });
  cluster.start();
  // A node of a cluster whose majority is down still starts (to serve /health and /cluster); a
  // single node is up in about one election timeout.
  await cluster.ready(10_000);

  runner.reconcile();
  deliveries.kick();
  history.start();
  // Modules pushed when secrets were plain environment variables: say, once per secret, how to move them.
  for (const warning of secretReferenceWarnings(
    secrets,
    machine
      .modules()
      .map((m) => ({ name: m.name, team: machine.teamOf(m.name), secrets: secretNames(m.definition) })),
  )) {
    logger.warn({ secretName: warning.secret, modules: warning.modules }, warning.message);
  }
  logger.info(
    {
      url,
      internalUrl,
      dataDir,
      nodeId,
      raftPort,
      clusterTls: options.clusterTls !== undefined,
      modules: machine.modules().length,
      version,
    },
    "amstaff server started",
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("stopping");
      dashboard.close();
      const closed = new Promise((r) => http.close(r));
      http.closeIdleConnections();
      const internalClosed = new Promise((r) => (internalHttp ? internalHttp.close(r) : r(undefined)));
      internalHttp?.closeIdleConnections();
      await scheduler.stop();
      runner.stop();
      await deliveries.stop();
      // An acknowledgement clicked just before the stop is recorded while the log still runs.
      await integrations.idle();
      cluster?.stop();
      await log.close();
      clearInterval(flushTimer);
      try {
        history.close();
        observations.flush();
      } finally {
        db.close();
      }
      http.closeAllConnections();
      internalHttp?.closeAllConnections();
      await closed;
      await internalClosed;
      await clusterHttp.close();
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
    nodeId,
    raftPort,
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

/**
 * Keys whose values are secrets wherever they appear in a logged object (up to five levels deep): API
 * tokens, the options of handlers once their `secret("NAME")` references are resolved (Slack's `token`
 * and `webhookUrl`, OpsGenie's `apiKey`, SMTP's `auth.pass`, a webhook's `authorization` header).
 */
const secretKeys = [
  "token",
  "apiKey",
  "apiToken",
  "accessToken",
  "password",
  "pass",
  "secret",
  "signingSecret",
  "clusterSecret",
  "internalToken",
  "webhookUrl",
  "authorization",
  "cookie",
];
const redactPaths = secretKeys.flatMap((key) =>
  ["", "*.", "*.*.", "*.*.*.", "*.*.*.*."].map((depth) => depth + key),
);

/** How log lines are written: one JSON object a line, or lines a person reads on a terminal. */
export type LogFormat = "json" | "pretty";

/**
 * The default logger: lines on stdout (or `destination`), in which the values of secret-named keys
 * (tokens, passwords, API keys, authorization headers, webhook URLs) are replaced by `[Redacted]`.
 * `json` writes one JSON object a line, for log collectors; `pretty` writes a time, a level and the
 * message, then the fields indented, coloured when stdout is a terminal.
 * @param format the line format. @default "json"
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = "json",
): Logger {
  const options = { level, base: { service: "amstaff" }, redact: redactPaths };
  // Redaction happens in pino before a line is serialised, so the pretty printer only ever sees
  // `[Redacted]`. It runs as a synchronous stream in this thread, not a worker transport: no line
  // is lost when the process exits right after logging.
  if (format === "pretty") {
    return pino(
      options,
      pinoPretty({
        destination: destination ?? 1,
        colorize: destination === undefined && process.stdout.isTTY === true,
        sync: true,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname,service",
        singleLine: false,
      }),
    );
  }
  return destination ? pino(options, destination) : pino(options);
}

/** Reads the node id kept in the data directory, or keeps the given (or a generated) one there. */
function loadNodeId(dataDir: string, wanted: string | undefined): string {
  const path = join(dataDir, "node-id");
  if (existsSync(path)) {
    const stored = readFileSync(path, "utf8").trim();
    if (wanted !== undefined && wanted !== stored) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `This data directory belongs to node "${stored}", not "${wanted}": a node keeps its id for life.`,
      );
    }
    return stored;
  }
  const id = wanted ?? `node-${randomBytes(3).toString("hex")}`;
  if (!/^[\w.-]{1,64}$/.test(id)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "A node id is 1 to 64 letters, digits, '.', '_' or '-'.",
    );
  }
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}

/** `host:port` (or `[v6]:port`) to a peer address. */
function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  if (!match) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `"${address}" is not host:port.`);
  return { host: match[1]!, port: Number(match[2]) };
}

/**
 * The Raft transport, with a switch that drops every message in and out (fault injection for the
 * partition test). Without a TCP transport (a cluster of one), messages go nowhere: there is no peer.
 */
function faultyTransport(inner: RaftTransport | undefined, isolated: () => boolean): RaftTransport {
  return {
    listen: (handler: (message: Message) => void) =>
      inner?.listen((message) => {
        if (!isolated()) handler(message);
      }),
    send: (messages: Message[]) => {
      if (!isolated()) inner?.send(messages);
    },
    close: () => inner?.close(),
  };
}
