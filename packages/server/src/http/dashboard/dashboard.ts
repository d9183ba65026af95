import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { MonitorDefinition } from "@amstaff/core";
import type { Clock } from "../../clock.js";
import { serverPackageDir } from "../../plugins/discovery.js";
import type { Observations } from "../../runtime/observations.js";
import {
  type GlanceFields,
  type GlanceReply,
  type GlanceRequest,
  PeerGlances,
  type RecentView,
} from "../../runtime/peerGlances.js";
import type { RecentSamples } from "../../runtime/recentSamples.js";
import type { UptimeDays } from "../../runtime/uptimeDays.js";
import { monitorDefinition } from "../../state/monitorDefinitions.js";
import { monitorKey, parseMonitorKey } from "../../state/monitorKey.js";
import type { StoredModule } from "../../state/records.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { EventHub } from "./eventHub.js";
import { glanceFields, recentView } from "./glanceRow.js";
import type { OverviewRow } from "./overviewRow.js";
import { createStaticAssets, type StaticAssets } from "./staticAssets.js";
import { createStatusPages, type StatusPageSelection } from "./statusPage.js";

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  machine: StateMachine;
  observations: Observations;
  clock: Clock;
  /** The recent samples and uptime of the monitors this node runs (the overview's bars). @default none */
  recent?: RecentSamples | undefined;
  /** This node's id: the monitors of modules granted to another node are that node's to answer. */
  nodeId?: string | undefined;
  /**
   * Asks the other nodes (or only `node`) for the overview's bars of the monitors they run (absent: a
   * node alone, whose rows show its own samples only).
   */
  peers?:
    | ((request: GlanceRequest, node?: string) => Promise<{ node: string; reply: GlanceReply }[]>)
    | undefined;
  /** What the public status pages publish. @default nothing */
  statusPages?: StatusPageSelection | undefined;
  /** The cluster's daily uptime, for the status pages' bars and badges. */
  uptime?: UptimeDays | undefined;
  /** Where the built dashboard is. @default `<server package>/dist/dashboard` */
  dir?: string | undefined;
  /** How often live changes are sent. @default 500 */
  eventIntervalMs?: number | undefined;
}

/** The dashboard's part of the server. */
export interface Dashboard {
  /** A monitor's row of the overview (and of live changes), or undefined when it does not exist. */
  row(module: string, monitor: string): OverviewRow | undefined;
  /** The body of `GET /overview`: every module, and one row per monitor, in the modules' order. */
  overview(): Overview;
  readonly hub: EventHub<OverviewRow>;
  /** Resolves once the other nodes' bars can fill the overview (at once after their first answer). */
  peersReady(): Promise<unknown>;
  /** A monitor's recent samples and uptime, from the node that runs it (this one when it does not answer). */
  recent(module: string, monitor: string): Promise<RecentView>;
  /** This node's answer to `POST /_cluster/glance`: the bars of the monitors it runs (or of those asked). */
  localGlance(request: GlanceRequest): GlanceReply;
  readonly assets: StaticAssets;
  /** Answers what needs no token (the dashboard's files, the public status pages); false otherwise. */
  handlePublic(request: IncomingMessage, response: ServerResponse): boolean;
  /** A monitor's last result changed on this node. */
  observed(module: string, monitor: string): void;
  close(): void;
}

/** The body of `GET /overview`. */
export interface Overview {
  at: number;
  modules: { name: string; revision: number; pushedBy: string; updatedAt: number; owner: string | null }[];
  monitors: OverviewRow[];
}

const key = monitorKey;
/**
 * How long this node's answer for all its monitors is reused: every other node whose overview is open
 * asks for it every 2 s, and at 50,000 monitors it takes a tenth of a second to build.
 */
const ownGlanceTtlMs = 1_000;

/**
 * The dashboard: its files at `/ui/`, the rows and live changes of the data it reads (served by
 * `http/routes/dashboard.ts`), and the public status pages.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { machine, observations, clock, peers } = options;
  const peerGlances = new PeerGlances({ clock, peers: peers && ((request) => peers(request)) });
  /** The node that answers a module's bars, or undefined when it is this one. */
  const elsewhere = (module: string): string | undefined => {
    const owner = machine.grant(module)?.node;
    return peers && owner !== undefined && owner !== options.nodeId ? owner : undefined;
  };
  const glanceOf = (module: string, monitor: string, now: number): GlanceFields => {
    const owner = elsewhere(module);
    if (owner === undefined) return glanceFields(options.recent?.bar(module, monitor, now));
    return peerGlances.peek()?.get(owner)?.get(key(module, monitor)) ?? {};
  };

  const rowOf = (module: string, monitor: string): OverviewRow | undefined => {
    const stored = machine.module(module);
    const definition = monitorDefinition(stored?.definition, monitor);
    return stored && definition && rowOfDefinition(stored, definition, clock.now());
  };
  /** The row of a monitor of `stored`, given its definition: the overview builds 50,000 without looking each up. */
  const rowOfDefinition = (stored: StoredModule, definition: MonitorDefinition, now: number): OverviewRow => {
    const module = stored.name;
    const monitor = definition.name;
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
      // A value that is the latency (HTTP, TCP, DNS measure that) is not repeated as a value.
      v: last?.value !== undefined && last.value !== last.durationMs ? last.value : null,
      run: last?.timestamp ?? null,
      ...glanceOf(module, monitor, now),
    };
    if (last && last.status !== "ok") row.msg = last.message;
    if (record?.incident) row.ack = record.incident.acknowledged !== undefined;
    if (record?.flapping) row.flap = true;
    const suppressed = machine.suppression(stored, definition, now);
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

  let ownGlance: { at: number; reply: GlanceReply } | undefined;

  const unsubscribe = machine.onApply((command, result) => {
    if (!result.ok) return;
    switch (command.type) {
      case "transition.record":
      case "incident.ack":
        hub.urgent(key(command.module, command.monitor));
        break;
      case "module.put":
      case "module.delete":
        options.recent?.retainModule(
          command.name,
          new Set(machine.module(command.name)?.definition.monitors.map((d) => d.name)),
        );
        hub.resync();
        break;
      case "silence.add":
      case "silence.remove":
      case "ownership.grant":
      case "ownership.release":
        hub.resync();
        break;
    }
  });

  const assets = createStaticAssets({ dir: options.dir ?? join(serverPackageDir, "dist", "dashboard") });
  const statusPages = createStatusPages({
    machine,
    clock,
    uptime: options.uptime,
    selection: options.statusPages,
  });

  return {
    row: rowOf,
    overview() {
      const now = clock.now();
      const modules = machine.modules();
      return {
        at: now,
        modules: modules.map((m) => ({
          name: m.name,
          revision: m.revision,
          pushedBy: m.pushedBy,
          updatedAt: m.updatedAt,
          owner: machine.grant(m.name)?.node ?? null,
        })),
        monitors: modules.flatMap((m) => m.definition.monitors.map((d) => rowOfDefinition(m, d, now))),
      };
    },
    hub,
    peersReady: () => peerGlances.get(),
    async recent(module, monitor) {
      const owner = elsewhere(module);
      if (owner !== undefined && peers) {
        const [answer] = await peers({ monitors: [[module, monitor]], recent: true }, owner);
        const view = answer?.reply.recent?.[0];
        if (view) return view;
      }
      return recentView(options.recent?.glance(module, monitor, clock.now()));
    },
    localGlance(request) {
      const now = clock.now();
      if (!request.monitors && ownGlance && now - ownGlance.at < ownGlanceTtlMs) return ownGlance.reply;
      const asked =
        request.monitors ??
        machine
          .modules()
          .filter((m) => machine.grant(m.name)?.node === options.nodeId)
          .flatMap((m) => m.definition.monitors.map((d): [string, string] => [m.name, d.name]));
      const rows = asked.flatMap(([m, n]) => {
        const fields = glanceFields(options.recent?.bar(m, n, now));
        return fields.hs === undefined ? [] : [{ m, n, ...fields }];
      });
      if (!request.monitors) {
        ownGlance = { at: now, reply: { rows } };
        return ownGlance.reply;
      }
      if (!request.recent) return { rows };
      return {
        rows,
        recent: request.monitors.map(([m, n]) => recentView(options.recent?.glance(m, n, now))),
      };
    },
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
