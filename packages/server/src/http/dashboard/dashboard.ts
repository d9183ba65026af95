import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Clock } from "../../clock.js";
import { serverPackageDir } from "../../plugins/discovery.js";
import type { Observations } from "../../runtime/observations.js";
import type { Scheduler } from "../../runtime/scheduler.js";
import { monitorKey, parseMonitorKey } from "../../state/monitorKey.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { monitorOr404, type Route } from "../httpApi.js";
import { EventHub } from "./eventHub.js";
import type { OverviewRow } from "./overviewRow.js";
import { createStaticAssets, type StaticAssets } from "./staticAssets.js";
import { createStatusPages, type StatusPageSelection } from "./statusPage.js";

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  machine: StateMachine;
  observations: Observations;
  scheduler: Scheduler;
  clock: Clock;
  /** What the public status pages publish. @default nothing */
  statusPages?: StatusPageSelection | undefined;
  /** Where the built dashboard is. @default `<server package>/dist/dashboard` */
  dir?: string | undefined;
  /** How often live changes are sent. @default 500 */
  eventIntervalMs?: number | undefined;
}

/** The dashboard's part of the server. */
export interface Dashboard {
  /** Its authenticated API routes (`GET /overview`, a monitor's detail, `GET /events`). */
  readonly routes: [method: string, pattern: RegExp, route: Route][];
  readonly hub: EventHub<OverviewRow>;
  readonly assets: StaticAssets;
  /** Answers what needs no token (the dashboard's files, the public status pages); false otherwise. */
  handlePublic(request: IncomingMessage, response: ServerResponse): boolean;
  /** A monitor's last result changed on this node. */
  observed(module: string, monitor: string): void;
  close(): void;
}

const key = monitorKey;

/**
 * The dashboard: its files at `/ui/`, the data it reads (one compact overview request, then live
 * changes over Server-Sent Events), and the public status pages.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { machine, observations, scheduler, clock } = options;

  const rowOf = (module: string, monitor: string): OverviewRow | undefined => {
    const definition = machine.module(module)?.definition.monitors.find((d) => d.name === monitor);
    if (!definition) return undefined;
    const record = machine.monitor(module, monitor);
    const last = observations.get(module, monitor)?.lastResult;
    const status = record?.status ?? "pending";
    const row: OverviewRow = {
      m: module,
      n: monitor,
      s: status,
      since: record?.since ?? null,
      tags: definition.tags,
      lat: last ? Math.round(last.durationMs * 10) / 10 : null,
      v: last?.value ?? null,
      run: last?.timestamp ?? null,
    };
    if (last && last.status !== "ok") row.msg = last.message;
    if (record?.incident) row.ack = record.incident.acknowledged !== undefined;
    if (record?.flapping) row.flap = true;
    const stored = machine.module(module);
    const suppressed = stored && definition && machine.suppression(stored, definition, clock.now());
    if (suppressed) row.sup = suppressed;
    return row;
  };

  const hub = new EventHub<OverviewRow>({
    intervalMs: options.eventIntervalMs,
    now: () => clock.now(),
    render: (keys) =>
      keys.map((k) => {
        const { module, monitor } = parseMonitorKey(k);
        return (
          rowOf(module, monitor) ?? {
            m: module,
            n: monitor,
            s: "pending",
            since: null,
            tags: [],
            lat: null,
            v: null,
            run: null,
            gone: true,
          }
        );
      }),
  });

  const unsubscribe = machine.onApply((command, result) => {
    if (!result.ok) return;
    switch (command.type) {
      case "transition.record":
      case "incident.ack":
        hub.changed(key(command.module, command.monitor));
        break;
      case "module.put":
      case "module.delete":
      case "silence.add":
      case "silence.remove":
      case "ownership.grant":
      case "ownership.release":
        hub.resync();
        break;
    }
  });

  const overview: Route = () => {
    const modules = machine.modules();
    return {
      status: 200,
      body: {
        at: clock.now(),
        modules: modules.map((m) => ({
          name: m.name,
          revision: m.revision,
          pushedBy: m.pushedBy,
          updatedAt: m.updatedAt,
          owner: machine.grant(m.name)?.node ?? null,
        })),
        monitors: modules.flatMap((m) => m.definition.monitors.map((d) => rowOf(m.name, d.name)!)),
      },
    };
  };

  const monitorDetail: Route = (_, [module, monitor]) => {
    const { module: stored, definition } = monitorOr404(machine, module!, monitor!);
    const record = machine.monitor(module!, monitor!);
    const observed = observations.get(module!, monitor!);
    const deliveries = machine.deliveries({ module: module!, monitor: monitor! });
    const nextRunAt = scheduler.nextRunAt(key(module!, monitor!));
    return {
      status: 200,
      body: {
        module: module,
        monitor: monitor,
        revision: stored.revision,
        definition,
        status: record?.status ?? "pending",
        since: record?.since ?? null,
        incident: record?.incident
          ? {
              key: record.incident.key,
              openedAt: record.incident.openedAt,
              acknowledged: record.incident.acknowledged ?? null,
            }
          : null,
        lastResult: observed?.lastResult ?? null,
        nextRunAt: nextRunAt !== undefined && Number.isFinite(nextRunAt) ? nextRunAt : null,
        transitions: machine
          .transitionsOf(module!, monitor!)
          .reverse()
          .map((t) => ({
            id: t.id,
            kind: t.kind,
            from: t.from,
            to: t.to,
            since: t.since,
            at: t.at,
            message: t.result.message,
            suppressed: t.suppressed ?? null,
            incident: t.incident ?? null,
            deliveries: deliveries
              .filter((d) => d.transitionId === t.id)
              .map((d) => ({
                id: d.id,
                handler: d.handler.plugin,
                handlerIndex: d.handlerIndex,
                status: d.status,
                attempts: d.attempts,
                lastError: d.lastError ?? null,
                deliveredAt: d.deliveredAt ?? null,
                nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
              })),
          })),
      },
    };
  };

  const events: Route = () => ({
    status: 200,
    body: null,
    stream: (response: ServerResponse) => {
      response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        // Tells a buffering reverse proxy (nginx) to pass each event on at once.
        "x-accel-buffering": "no",
      });
      const disconnect = hub.connect({
        write: (chunk) => response.write(chunk),
        get bufferedBytes() {
          return response.writableLength;
        },
        end: (chunk) => response.end(chunk),
      });
      // The response's close, not the request's: a request emits close once its (empty) body is read.
      response.once("close", disconnect);
    },
  });

  const assets = createStaticAssets({ dir: options.dir ?? join(serverPackageDir, "dist", "dashboard") });
  const statusPages = createStatusPages({ machine, clock, selection: options.statusPages });

  return {
    routes: [
      ["GET", /^\/overview$/, overview],
      ["GET", /^\/modules\/([^/]+)\/monitors\/([^/]+)$/, monitorDetail],
      ["GET", /^\/events$/, events],
    ],
    hub,
    assets,
    handlePublic(request, response) {
      const path = (request.url ?? "/").split("?")[0]!;
      if (path === "/" && (request.method === "GET" || request.method === "HEAD")) {
        response.writeHead(302, { location: "/ui/" }).end();
        return true;
      }
      return assets.handle(request, response) || statusPages.handle(request, response);
    },
    observed(module, monitor) {
      hub.changed(key(module, monitor));
    },
    close() {
      unsubscribe();
      hub.close();
    },
  };
}
