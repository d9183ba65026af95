import {
  AmstaffError,
  type Duration,
  decideAlerts,
  evaluate,
  evaluationPolicyOf,
  incidentView,
  initialMonitorState,
  type ModuleDefinition,
  type MonitorStatus,
  type NotificationKind,
  type PluginSpec,
  parseDuration,
  type SampleResult,
  type SampleStatus,
  type Silence,
  suppressionOf,
} from "@amstaff/core";
import { Cron } from "croner";
import type { AmstaffModule } from "./moduleTypes.js";
import { sentTo, timelineLine } from "./notificationViews.js";
import { toDefinition } from "./simulatedDefinition.js";
import { type SimulatedGroup, SimulatedGroups } from "./simulatedGroups.js";
import type {
  SimulatedMonitor,
  SimulatedNotification,
  SimulatedOutcome,
  SimulatedStatus,
  SimulatedTransition,
  SimulateOptions,
} from "./simulationTypes.js";
import { formatElapsed, toMs } from "./virtualTime.js";

/** At most this many events per `advance()`, so a typo like `advance("30d")` with `every("1s")` ends. */
const maxEventsPerAdvance = 2_000_000;

/**
 * A module running on a virtual clock: the same evaluation, alert policy, suppression and escalation
 * code as the server (both call `@amstaff/core`), without samplers, handlers, network or time passing.
 * Made by {@link simulate}.
 */
export class Simulation {
  /** The module, validated as the server would store it. */
  readonly definition: ModuleDefinition;
  readonly #start: number;
  readonly #tickMs: number;
  readonly #monitors = new Map<string, SimulatedMonitor>();
  readonly #silences = new Map<string, Silence>();
  readonly #notifications: SimulatedNotification[] = [];
  readonly #transitions: SimulatedTransition[] = [];
  readonly #groups = new SimulatedGroups();
  #taken = 0;
  #now: number;
  #nextTickAt: number;
  #sequence = 0;

  constructor(module: AmstaffModule | ModuleDefinition, options: SimulateOptions = {}) {
    this.definition = toDefinition(module, options.plugins ?? []);
    const start = options.start ?? "2026-01-05T09:00:00Z";
    this.#start =
      start instanceof Date ? start.getTime() : typeof start === "number" ? start : Date.parse(start);
    if (!Number.isFinite(this.#start)) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `simulate(): start "${String(start)}" is not a date`);
    }
    this.#tickMs = options.tickMs ?? 5_000;
    this.#now = this.#start;
    this.#nextTickAt = this.#start;
    for (const definition of this.definition.monitors) {
      const { schedule } = definition;
      const monitor: SimulatedMonitor = {
        definition,
        state: initialMonitorState,
        alerts: { status: "pending" },
        outcome: "ok",
        queue: [],
        nextSampleAt: this.#start,
      };
      if (schedule.kind === "interval") {
        monitor.intervalMs = parseDuration(schedule.every);
      } else {
        monitor.cron = new Cron(schedule.expression, {
          paused: true,
          ...(schedule.timezone !== undefined && { timezone: schedule.timezone }),
        });
        monitor.nextSampleAt = this.#nextCron(monitor.cron, this.#start - 1);
      }
      this.#monitors.set(definition.name, monitor);
    }
  }

  /** The virtual clock, in milliseconds since the epoch. */
  get now(): number {
    return this.#now;
  }

  /** Every notification so far, oldest first. */
  get notifications(): readonly SimulatedNotification[] {
    return this.#notifications;
  }

  /** Every committed status change so far, including those whose alerts were held back. */
  get transitions(): readonly SimulatedTransition[] {
    return this.#transitions;
  }

  /** The messages of grouping handlers: one per group, listing its notifications, with its send time. */
  get groups(): SimulatedGroup[] {
    return this.#groups.list();
  }

  /** What a monitor's samples return from now on (after any queued with {@link queue}). Starts as `"ok"`. */
  set(monitor: string, outcome: SimulatedOutcome): this {
    this.#monitor(monitor).outcome = outcome;
    return this;
  }

  /** What a monitor's next samples return, one each, before it goes back to what {@link set} gave. */
  queue(monitor: string, ...outcomes: SimulatedOutcome[]): this {
    this.#monitor(monitor).queue.push(...outcomes);
    return this;
  }

  /**
   * Moves the clock forward, running every sample and incident check due in `[now, now + duration)`:
   * a monitor sampling `every("30s")` samples once per `advance("30s")`, the first time at the start.
   */
  advance(duration: Duration | number): this {
    const until = this.#now + toMs(duration);
    for (let events = 0; ; events++) {
      if (events > maxEventsPerAdvance) {
        throw new AmstaffError(
          "AMS_ERR_REQUEST_INVALID",
          `advance() ran more than ${maxEventsPerAdvance} events; advance in smaller steps`,
        );
      }
      let next = this.#nextTickAt;
      for (const m of this.#monitors.values()) next = Math.min(next, m.nextSampleAt);
      if (next >= until) break;
      this.#now = next;
      for (const monitor of this.#monitors.values()) {
        if (monitor.nextSampleAt === next) this.#sample(monitor);
      }
      if (this.#nextTickAt === next) {
        for (const monitor of this.#monitors.values()) this.#tick(monitor);
        this.#nextTickAt += this.#tickMs;
      }
    }
    this.#now = until;
    return this;
  }

  /** Queues `outcomes` for a monitor and advances the clock by that many of its intervals. */
  feed(monitor: string, outcomes: readonly SimulatedOutcome[]): this {
    const m = this.#monitor(monitor);
    if (m.intervalMs === undefined) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `feed(): "${monitor}" samples on a cron schedule; use queue() and advance()`,
      );
    }
    this.queue(monitor, ...outcomes);
    return this.advance(m.intervalMs * outcomes.length);
  }

  /**
   * Acknowledges a monitor's open incident, as `amstaff ack` would. It covers the worst status the
   * incident has reached: reminders and escalation stop until the incident gets worse than that.
   */
  ack(monitor: string, by = "tester"): this {
    const m = this.#monitor(monitor);
    if (!m.alerts.incident) {
      throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `ack(): "${monitor}" has no open incident`);
    }
    const { acknowledged } = m.alerts.incident;
    if (acknowledged) {
      // As the server answers a second `amstaff ack`: the first one still holds.
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `ack(): "${monitor}" is already acknowledged by ${acknowledged.by}; it needs a new ack only once it gets worse`,
      );
    }
    m.alerts = decideAlerts(m.alerts, { type: "ack", by, at: this.#now }, m.definition).state;
    // Handlers that opt in hear of it at once, if they heard of the incident.
    const incident = m.alerts.incident;
    const status = m.alerts.status as SampleStatus;
    const optedIn = incident?.notified.filter((i) => m.definition.handlers[i]?.notifyOn?.acknowledged);
    if (incident && optedIn) this.#record(m, optedIn, "acknowledged", status, status, incident.key);
    return this;
  }

  /** Silences monitors of this module from now on, as `amstaff silence` would; returns the silence's id. */
  silence(options: {
    monitors?: string[];
    tags?: string[];
    for: Duration | number;
    reason?: string;
    by?: string;
  }): string {
    for (const name of options.monitors ?? []) this.#monitor(name);
    const id = `silence-${this.#silences.size + 1}`;
    this.#silences.set(id, {
      id,
      module: this.definition.name,
      scope: {
        ...(options.monitors && { monitors: options.monitors }),
        ...(options.tags && { tags: options.tags }),
      },
      from: this.#now,
      until: this.#now + toMs(options.for),
      by: options.by ?? "tester",
      reason: options.reason ?? "",
    });
    return id;
  }

  /** Ends a silence now. */
  unsilence(id: string): this {
    const silence = this.#silences.get(id);
    if (!silence) throw new AmstaffError("AMS_ERR_SILENCE_NOT_FOUND", `unsilence(): no silence "${id}"`);
    this.#silences.set(id, { ...silence, until: Math.min(silence.until, this.#now) });
    return this;
  }

  /** Where a monitor stands now. */
  status(monitor: string): SimulatedStatus {
    const m = this.#monitor(monitor);
    const incident = m.alerts.incident;
    return {
      status: m.alerts.status,
      since: m.alerts.since,
      flapping: m.alerts.flapping === true,
      ...(incident && { incident: incidentView(incident) }),
      ...(this.#suppression(m) !== undefined && { suppressed: this.#suppression(m) }),
    };
  }

  /** The notifications since the last call (or since the start). */
  take(): SimulatedNotification[] {
    const taken = this.#notifications.slice(this.#taken);
    this.#taken = this.#notifications.length;
    return taken;
  }

  /**
   * The notifications sent to one handler: pass the same value the module used (`const team =
   * slack({ ... })`). Matches on the plugin and the options written.
   */
  to(handler: PluginSpec): SimulatedNotification[] {
    return this.#notifications.filter((n) => sentTo(n, handler));
  }

  /** Every notification as one line each, e.g. `+1m30s API: ok → critical to #0 @amstaff/handler-slack`. */
  timeline(): string {
    return this.#notifications.map(timelineLine).join("\n");
  }

  #monitor(name: string): SimulatedMonitor {
    const monitor = this.#monitors.get(name);
    if (!monitor) {
      const known = [...this.#monitors.keys()].map((n) => `"${n}"`).join(", ");
      throw new AmstaffError(
        "AMS_ERR_MODULE_NOT_FOUND",
        `No monitor "${name}" in module "${this.definition.name}" (it has ${known}).`,
      );
    }
    return monitor;
  }

  #nextCron(cron: Cron, after: number): number {
    return cron.nextRun(new Date(after))?.getTime() ?? Number.POSITIVE_INFINITY;
  }

  #suppression(monitor: SimulatedMonitor): string | undefined {
    return suppressionOf(this.definition, monitor.definition, {
      at: this.#now,
      silences: this.#silences.values(),
      statusOf: (name) => this.#monitors.get(name)?.alerts.status,
    });
  }

  #sample(monitor: SimulatedMonitor): void {
    monitor.nextSampleAt =
      monitor.intervalMs !== undefined
        ? monitor.nextSampleAt + monitor.intervalMs
        : this.#nextCron(monitor.cron!, this.#now);
    const outcome = monitor.queue.shift() ?? monitor.outcome;
    const given = typeof outcome === "string" ? { status: outcome } : outcome;
    const result: SampleResult = {
      message: `simulated ${given.status}`,
      durationMs: 0,
      ...given,
      timestamp: this.#now,
    };
    const { state, change } = evaluate(monitor.state, result, evaluationPolicyOf(monitor.definition));
    monitor.state = state;
    if (!change) {
      this.#tick(monitor);
      return;
    }
    const key = `${this.definition.name}-${++this.#sequence}`;
    const decision = decideAlerts(
      monitor.alerts,
      { type: "change", to: change.to, since: change.since, flapping: change.flapping, at: this.#now, key },
      monitor.definition,
      this.#suppression(monitor),
    );
    this.#transitions.push({
      at: this.#now,
      elapsed: formatElapsed(this.#now - this.#start),
      monitor: monitor.definition.name,
      from: change.from,
      to: change.to,
      flapping: change.flapping,
      ...(decision.suppressed !== undefined && { suppressed: decision.suppressed }),
      notified: decision.notify,
    });
    this.#record(
      monitor,
      decision.notify,
      decision.kind,
      decision.from,
      change.to,
      decision.state.incident?.key ?? monitor.alerts.incident?.key ?? key,
    );
    monitor.alerts = decision.state;
  }

  #tick(monitor: SimulatedMonitor): void {
    const incident = monitor.alerts.incident;
    if (!incident) return;
    const decision = decideAlerts(
      monitor.alerts,
      { type: "tick", at: this.#now },
      monitor.definition,
      this.#suppression(monitor),
    );
    if (decision.notify.length === 0) return;
    const status = monitor.alerts.status as SampleStatus;
    this.#record(monitor, decision.notify, decision.kind, status, status, incident.key);
    monitor.alerts = decision.state;
  }

  #record(
    monitor: SimulatedMonitor,
    handlers: readonly number[],
    kind: NotificationKind,
    from: MonitorStatus,
    to: SampleStatus,
    incident: string,
  ): void {
    for (const index of handlers) {
      const handler = monitor.definition.handlers[index];
      if (!handler) continue;
      const { group } = handler;
      const grouped =
        group && kind !== "acknowledged"
          ? this.#groups.add(
              { ...handler, group },
              {
                module: this.definition.name,
                tags: monitor.definition.tags,
                monitor: monitor.definition.name,
                from,
                to,
              },
              this.#now,
            )
          : undefined;
      this.#notifications.push({
        at: this.#now,
        time: new Date(this.#now).toISOString(),
        elapsed: formatElapsed(this.#now - this.#start),
        monitor: monitor.definition.name,
        handler: index,
        plugin: handler.plugin,
        options: handler.options,
        kind,
        from,
        to,
        incident,
        ...(grouped !== undefined && { group: grouped }),
      });
    }
  }
}
