import { type MonitorStatus, type SampleResult, sampleStatuses } from "@amstaff/core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { StateMachine } from "../state/stateMachine.js";
import { eventLoopDelay } from "./eventLoopDelay.js";
import type { HistoryStats } from "./sampleHistory.js";
import type { SchedulerStats } from "./scheduler.js";

/** What this node's Raft says of itself, read at each scrape. */
export interface RaftStatus {
  readonly role: string;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
}

/** This node's Raft node: its status, and word of every change of leader it sees. */
export interface RaftSource extends RaftStatus {
  on(event: "leader", listener: () => void): unknown;
}

/** Which consensus engine the node runs on, and how far it applied the log (any engine). */
export interface EngineSource {
  readonly name: string;
  /** The index of the last log entry applied here (on etcd, the entry's revision). */
  appliedIndex(): number;
}

/** Where {@link ServerMetrics} reads the values it does not count itself. */
export interface MetricsSources {
  machine: StateMachine;
  scheduler: { stats(): SchedulerStats };
  engine?: EngineSource | undefined;
  /** Raft's own status, on the Raft engine only (the `amstaff_raft_*` series). */
  raft?: RaftSource | undefined;
  history?: { stats(): HistoryStats } | undefined;
  version: string;
}

/** The outcome of one delivery attempt. */
export type DeliveryOutcome = "delivered" | "retrying" | "failed";

const raftRoles = ["leader", "follower", "candidate", "precandidate"] as const;
const monitorStatuses: readonly MonitorStatus[] = ["pending", ...sampleStatuses];

/**
 * The node's Prometheus metrics, in a registry of its own (never prom-client's global one, so several
 * servers in one process do not mix). Labels stay low-cardinality: module, status and handler plugin,
 * never the monitor, so 10,000 monitors make tens of series, not tens of thousands.
 */
export class ServerMetrics {
  /** The registry `GET /metrics` serves. */
  readonly registry = new Registry();
  readonly #samples: Counter<"module" | "status">;
  readonly #sampleDuration: Histogram<"module">;
  readonly #lateness: Histogram;
  readonly #transitions: Counter<"module" | "from" | "to">;
  readonly #deliveries: Counter<"plugin" | "outcome">;
  readonly #deliveryFailures: Counter<"plugin">;
  readonly #deliveryDuration: Histogram<"plugin">;
  readonly #leaderChanges: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "amstaff_build_info",
      help: "Always 1; the server's version as a label.",
      labelNames: ["version"],
      registers,
    }).set({ version: sources.version }, 1);
    this.#samples = new Counter({
      name: "amstaff_samples_total",
      help: "Probes this node ran, by module and resulting status.",
      labelNames: ["module", "status"],
      registers,
    });
    this.#sampleDuration = new Histogram({
      name: "amstaff_sample_duration_seconds",
      help: "How long probes took, by module.",
      labelNames: ["module"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#lateness = new Histogram({
      name: "amstaff_schedule_lateness_seconds",
      help: "How late probes started against their due time, waiting for a concurrency slot included.",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const loop = eventLoopDelay();
    new Gauge({
      name: "amstaff_event_loop_delay_seconds",
      help: "How late the node's event loop ran (delay beyond a 10 ms timer), p50 and p99 over the last 10 to 20 s.",
      labelNames: ["quantile"],
      registers,
      collect() {
        const { p50, p99 } = loop.summary();
        this.set({ quantile: "0.5" }, p50 / 1000);
        this.set({ quantile: "0.99" }, p99 / 1000);
      },
    });
    new Gauge({
      name: "amstaff_event_loop_delay_max_seconds",
      help: "The longest the node's event loop was late over the last 10 to 20 s: a probe or request that blocked it.",
      registers,
      collect() {
        this.set(loop.summary().max / 1000);
      },
    });
    const scheduler = sources.scheduler;
    let skippedSeen = 0;
    new Counter({
      name: "amstaff_schedule_skipped_total",
      help: "Runs skipped because the previous probe of the same monitor was still running.",
      registers,
      collect() {
        const skipped = scheduler.stats().skipped;
        if (skipped > skippedSeen) this.inc(skipped - skippedSeen);
        skippedSeen = skipped;
      },
    });
    new Gauge({
      name: "amstaff_probe_slots",
      help: "The node's probe slots: how many there are (limit, sized to the demand), held (active), and runs waiting for one.",
      labelNames: ["state"],
      registers,
      collect() {
        const { limit, active, waiting } = scheduler.stats().slots;
        this.set({ state: "limit" }, limit);
        this.set({ state: "active" }, active);
        this.set({ state: "waiting" }, waiting);
      },
    });
    this.#transitions = new Counter({
      name: "amstaff_transitions_total",
      help: "Status changes this node committed for the monitors it runs, by module, from and to.",
      labelNames: ["module", "from", "to"],
      registers,
    });
    this.#deliveries = new Counter({
      name: "amstaff_delivery_attempts_total",
      help: "Notification attempts by handler plugin and outcome (delivered, retrying, failed: given up).",
      labelNames: ["plugin", "outcome"],
      registers,
    });
    this.#deliveryFailures = new Counter({
      name: "amstaff_delivery_failures_total",
      help: "Notification attempts that did not deliver (to be retried or given up), by handler plugin.",
      labelNames: ["plugin"],
      registers,
    });
    this.#deliveryDuration = new Histogram({
      name: "amstaff_delivery_duration_seconds",
      help: "How long notification attempts took, by handler plugin.",
      labelNames: ["plugin"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    const { machine } = sources;
    new Gauge({
      name: "amstaff_deliveries_pending",
      help: "Notifications committed and not yet delivered or given up, cluster-wide.",
      registers,
      collect() {
        this.set(machine.pendingDeliveries().length);
      },
    });
    new Gauge({
      name: "amstaff_monitors",
      help: "Monitors by module and current status, cluster-wide (the replicated state).",
      labelNames: ["module", "status"],
      registers,
      collect() {
        this.reset();
        for (const module of machine.modules()) {
          const counts = new Map<MonitorStatus, number>(monitorStatuses.map((s) => [s, 0]));
          for (const m of module.definition.monitors) {
            const status = machine.monitor(module.name, m.name)?.status ?? "pending";
            counts.set(status, (counts.get(status) ?? 0) + 1);
          }
          for (const [status, n] of counts) this.set({ module: module.name, status }, n);
        }
      },
    });
    const { history } = sources;
    if (history) {
      new Gauge({
        name: "amstaff_history_buffered_samples",
        help: "Samples waiting in memory to be written to the sample history.",
        registers,
        collect() {
          this.set(history.stats().buffered);
        },
      });
      let droppedSeen = 0;
      new Counter({
        name: "amstaff_history_dropped_samples_total",
        help: "Samples the history dropped because the disk did not take writes and the buffer was full.",
        registers,
        collect() {
          const { dropped } = history.stats();
          if (dropped > droppedSeen) this.inc(dropped - droppedSeen);
          droppedSeen = dropped;
        },
      });
    }
    const engine = sources.engine;
    if (engine) {
      new Gauge({
        name: "amstaff_engine_info",
        help: "Always 1; the consensus engine this node runs on (raft or etcd) as a label.",
        labelNames: ["engine"],
        registers,
      }).set({ engine: engine.name }, 1);
      new Gauge({
        name: "amstaff_log_applied_index",
        help: "The index of the last log entry applied here, on any engine (on etcd, its revision).",
        registers,
        collect() {
          this.set(engine.appliedIndex());
        },
      });
    }
    this.#leaderChanges = new Counter({
      name: "amstaff_raft_leader_changes_total",
      help: "Times this node saw the Raft leader change (elections, including lost leaders).",
      registers,
    });
    const raft = sources.raft;
    if (raft) {
      raft.on("leader", () => this.#leaderChanges.inc());
      const gauge = (name: string, help: string, read: (s: RaftStatus) => number) =>
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.set(read(raft));
          },
        });
      new Gauge({
        name: "amstaff_raft_role",
        help: "1 for this node's current Raft role, 0 for the others.",
        labelNames: ["role"],
        registers,
        collect() {
          const { role } = raft;
          for (const r of raftRoles) this.set({ role: r }, r === role ? 1 : 0);
        },
      });
      gauge("amstaff_raft_is_leader", "1 when this node is the Raft leader.", (s) =>
        s.role === "leader" ? 1 : 0,
      );
      gauge("amstaff_raft_term", "This node's current Raft term.", (s) => s.term);
      gauge(
        "amstaff_raft_commit_index",
        "The highest log index this node knows committed.",
        (s) => s.commitIndex,
      );
      gauge(
        "amstaff_raft_applied_index",
        "The highest log index applied to this node's state.",
        (s) => s.appliedIndex,
      );
      gauge(
        "amstaff_raft_apply_lag",
        "Committed log entries not yet applied here (commit index minus applied index).",
        (s) => Math.max(0, s.commitIndex - s.appliedIndex),
      );
    }
  }

  /** Counts one probe this node ran. */
  sample(module: string, result: SampleResult): void {
    this.#samples.inc({ module, status: result.status });
    if (Number.isFinite(result.durationMs)) {
      this.#sampleDuration.observe({ module }, Math.max(0, result.durationMs) / 1000);
    }
  }

  /** Records how late a scheduled run started. */
  lateness(ms: number): void {
    this.#lateness.observe(Math.max(0, ms) / 1000);
  }

  /** Counts a status change this node committed. */
  transition(module: string, from: MonitorStatus, to: MonitorStatus): void {
    this.#transitions.inc({ module, from, to });
  }

  /** Counts one delivery attempt and its duration. */
  deliveryAttempt(plugin: string, outcome: DeliveryOutcome, durationMs: number): void {
    this.#deliveries.inc({ plugin, outcome });
    if (outcome !== "delivered") this.#deliveryFailures.inc({ plugin });
    this.#deliveryDuration.observe({ plugin }, Math.max(0, durationMs) / 1000);
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
