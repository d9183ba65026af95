import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { describeError, type PluginHost } from "@amstaff/core";
import { openSecretStore, warnAboutSecretReferences } from "./access/nodeSecrets.js";
import { openNodeTokens } from "./access/nodeTokens.js";
import { systemClock } from "./clock.js";
import { checkClusterOptions } from "./cluster/clusterOptions.js";
import type { ClusterEngine } from "./cluster/engine.js";
import { openEtcdEngine } from "./cluster/etcd/etcdEngine.js";
import { listenOn, startInternalListener } from "./cluster/internalListener.js";
import { loadNodeId } from "./cluster/nodeId.js";
import { openRaftEngine } from "./cluster/raftEngine.js";
import { isInternalPath } from "./cluster/rpc.js";
import { createDashboard } from "./http/dashboard/dashboard.js";
import { heartbeatInbox } from "./http/heartbeatInbox.js";
import { createHttpApi } from "./http/httpApi.js";
import { mountIntegrations } from "./http/integrations.js";
import { clusterRoutes } from "./http/routes/cluster.js";
import { dashboardRoutes } from "./http/routes/dashboard.js";
import { createLogger } from "./logger.js";
import { type AmstaffServer, historyRetention, type ServerOptions } from "./options.js";
import { createFileAccess } from "./plugins/fileAccess.js";
import { installedPlugins } from "./plugins/installedPlugins.js";
import { startModuleCompiler } from "./plugins/moduleCompiler.js";
import { PluginRegistry } from "./plugins/plugins.js";
import { DeliveryWorker } from "./runtime/deliveryWorker.js";
import { ServerMetrics } from "./runtime/metrics.js";
import { MonitorRunner } from "./runtime/monitorRunner.js";
import { Observations } from "./runtime/observations.js";
import { RecentSamples } from "./runtime/recentSamples.js";
import { RecentSeed } from "./runtime/recentSeed.js";
import { SampleHistory } from "./runtime/sampleHistory.js";
import { Scheduler } from "./runtime/scheduler.js";
import { UptimeDays } from "./runtime/uptimeDays.js";
import { openDatabase } from "./state/database.js";
import { describeMonitorKey } from "./state/monitorKey.js";
import { StateMachine } from "./state/stateMachine.js";
import { version } from "./version.js";

export type { AmstaffServer, ServerOptions } from "./options.js";

/**
 * Starts an Amstaff node: the state machine on its consensus engine's log (Raft, a cluster of one unless
 * peers are given; or etcd with `options.etcd`),
 * the scheduler running the modules this node owns, the delivery worker, and the HTTP API.
 *
 * @example
 * ```ts
 * await using server = await startServer({ dataDir: "./amstaff-data", port: 0 });
 * console.log(server.url, server.token);
 * ```
 */
export async function startServer(options: ServerOptions): Promise<AmstaffServer> {
  const retention = historyRetention(options.history);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = typeof options.logger === "object" ? options.logger : createLogger(options.logger ?? "info");
  const clock = options.clock ?? systemClock;
  const {
    registry: tokens,
    token,
    source: tokenSource,
    path: tokenPath,
  } = openNodeTokens({ ...options, dataDir, clock, logger });
  const secrets = openSecretStore(options.secrets, logger);

  const nodeId = loadNodeId(dataDir, options.nodeId);
  checkClusterOptions(options, logger);

  const db = openDatabase(dataDir, logger);
  let isolated = false;
  const machine = new StateMachine();
  const engineDeps = { nodeId, machine, clock, logger, isolated: () => isolated };
  const engine = options.etcd
    ? await openEtcdEngine({
        ...engineDeps,
        etcd: options.etcd,
        timing: options.clusterTiming,
        clusterSecret: options.clusterSecret,
        clusterTls: options.clusterTls,
        internalHost: options.raftHost ?? options.host ?? "127.0.0.1",
      })
    : await openRaftEngine({ ...engineDeps, options, dataDir, db });
  const { log, raftPort } = engine;
  const pluginHost: PluginHost = {
    files: createFileAccess({ roots: options.sqliteRoots, dataDir }),
    heartbeats: { get: (module, monitor) => machine.heartbeat(module, monitor) },
  };
  const plugins = new PluginRegistry(
    options.plugins ?? (await installedPlugins(logger)),
    secrets,
    pluginHost,
  );
  const observations = new Observations(db, { clock, logger });
  const history = new SampleHistory(db, { clock, logger, ...retention });
  const recent = new RecentSamples();
  const scheduler = new Scheduler({
    clock,
    concurrency: options.concurrency,
    onSkip: (key) =>
      logger.warn({ monitor: describeMonitorKey(key) }, "previous probe still running; run skipped"),
    onRun: (latenessMs) => metrics.lateness(latenessMs),
  });
  const metrics = new ServerMetrics({
    machine,
    scheduler,
    history,
    version,
    engine,
    raft: engine.raft,
  });
  // The status pages' bars: this node's daily summary plus the other nodes' (asked once the cluster exists).
  const uptime = new UptimeDays({
    clock,
    history,
    peers: async (request) => (await cluster?.peerUptimeDays(request)) ?? [],
  });
  const dashboard = createDashboard({
    machine,
    observations,
    recent,
    clock,
    nodeId,
    // The bars of monitors other nodes run: asked of them once the cluster exists.
    peers: async (request, node) => (await cluster?.peerGlances(request, node)) ?? [],
    statusPages: options.statusPages,
    uptime,
  });
  observations.onRecord((module, monitor) => dashboard.observed(module, monitor));
  // The cluster needs the API's URL, which is known once the HTTP server listens: it is created then.
  let cluster: ClusterEngine | undefined;

  const compiler = await startModuleCompiler({ plugins, secrets, host: pluginHost });
  const { compile } = compiler;

  // Plugins' inbound routes authenticate their callers their own way (Slack signs its requests), so
  // they are mounted outside the API's token auth; they reach the state only through this host.
  const integrations = mountIntegrations({
    plugins: plugins.list(),
    settings: options.slack ? { slack: options.slack, ...options.integrations } : options.integrations,
    env: options.integrationEnv,
    // Heartbeat one-liners call the short `/ping/<id>` URL that `amstaff ping-url` prints.
    shortPaths: { "/ping/": "/integrations/heartbeat/ping/" },
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
      heartbeats: heartbeatInbox({ machine, log, clock }, plugin.id),
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
  // (a cluster of one, or on etcd without cluster certificates) or with node traffic in clear (so nodes of a version without the internal
  // listener still reach it during a rolling upgrade); with certificates, only the internal listener
  // serves them, so the internal token is never accepted where the public certificate is.
  const internalOnApi = engine.internalHost === undefined || !options.clusterTls;
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (integrations.handle(request, response)) return;
    // The dashboard's files and the public status pages need no token; its data does (through the API).
    if (dashboard.handlePublic(request, response)) return;
    if (!isInternalPath(request.url) || !internalOnApi) return api(request, response);
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
  if (engine.internalHost !== undefined) {
    try {
      ({ server: internalHttp, url: internalUrl } = await startInternalListener({
        host: engine.internalHost,
        port: options.clusterHttpPort,
        tls: options.clusterTls,
        handle: internal,
        isInternal: isInternalPath,
        logger,
      }));
    } catch (error) {
      http.close();
      await engine.close();
      db.close();
      throw error;
    }
  }

  cluster = engine.cluster({
    apiUrl: options.advertiseUrl?.replace(/\/$/, "") ?? url,
    internalUrl,
    uptimeDays: (request) => uptime.local(request),
    glance: (request) => dashboard.localGlance(request),
  });
  // The runner and the delivery worker come once the cluster exists (before, this node may run nothing):
  // they run only what it lets this node run, and follow its changes themselves.
  const runner = new MonitorRunner({
    machine,
    log,
    plugins,
    scheduler,
    observations,
    clock,
    logger,
    ownership: cluster,
    incidentTickMs: options.incidentTickMs,
    observer: {
      sample: (module, monitor, result) => {
        history.record(module, monitor, result);
        recent.record(module, monitor, result);
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
    ownership: cluster,
    onAttempt: (plugin, outcome, durationMs) => metrics.deliveryAttempt(plugin, outcome, durationMs),
  });
  cluster.start();
  // A node of a cluster whose majority is down still starts (to serve /health and /cluster); a
  // single node is up in about one election timeout.
  await cluster.ready(10_000);

  // The overview's bars go on from the history, read while sampling starts (see `recentSeed.ts`): the
  // monitors whose bars this node shows, those of the modules granted to it (as the dashboard decides).
  const seed = new RecentSeed({
    db,
    recent,
    machine,
    clock,
    runsHere: (module) => (machine.grant(module)?.node ?? nodeId) === nodeId,
  });
  runner.reconcile();
  void seed.run().then(
    (stats) => logger.info(stats, "overview's bars seeded from the sample history"),
    (error) =>
      logger.warn({ err: describeError(error) }, "could not seed the overview's bars from the history"),
  );
  deliveries.kick();
  history.start();
  observations.start();
  warnAboutSecretReferences(secrets, machine, logger);
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

  // In reverse order of start, but for the listeners: they stop taking requests first and are waited
  // for last, so the requests under way finish meanwhile (and may still compile).
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("stopping");
      seed.stop();
      dashboard.close();
      const closed = new Promise((r) => http.close(r));
      http.closeIdleConnections();
      const internalClosed = new Promise((r) => (internalHttp ? internalHttp.close(r) : r(undefined)));
      internalHttp?.closeIdleConnections();
      // The scheduler before the runner: it waits for the probes under way, which the runner's stop
      // takes off its list.
      await scheduler.stop();
      runner.stop();
      await deliveries.stop();
      // An acknowledgement clicked just before the stop is recorded while the log still runs.
      await integrations.idle();
      await cluster?.stop();
      await engine.close();
      try {
        history.close();
        observations.close();
      } finally {
        db.close();
      }
      http.closeAllConnections();
      internalHttp?.closeAllConnections();
      await closed;
      await internalClosed;
      await compiler.close();
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
