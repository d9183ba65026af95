import { createHash } from "node:crypto";
import {
  type AlertDecision,
  type AlertEvent,
  type AlertState,
  AmstaffError,
  type AmstaffErrorCode,
  decideAlerts,
  type HandlerSpec,
  incidentView,
  type MonitorDefinition,
  type SampleStatus,
  type Silence,
  suppressionOf,
} from "@amstaff/core";
import { defaultTeam } from "../access/access.js";
import {
  type Actor,
  type AuditEntry,
  type Command,
  commandSchema,
  type DeliveryRecord,
  type IncidentRecord,
  type MemberRecord,
  type ModuleRevision,
  type MonitorRecord,
  type OwnershipGrant,
  type StoredModule,
  type TransitionRecord,
} from "./commands.js";
import { monitorKey } from "./monitorKey.js";

/** How many pushed versions of each module are kept for history and rollback. */
export const revisionsKept = 50;

/** How many audit entries are kept (the newest). */
export const auditEntriesKept = 2_000;

/** How many committed transitions each monitor keeps once all their deliveries have settled. */
export const transitionsKeptPerMonitor = 50;

/** What applying a command returns to whoever proposed it. */
export type ApplyResult =
  | {
      ok: true;
      module?: StoredModule;
      transition?: TransitionRecord;
      deliveries?: DeliveryRecord[];
      incident?: IncidentRecord;
      silence?: Silence;
    }
  | {
      ok: false;
      reason: string;
      /** Set when the refusal is the caller's to understand (a module that is another team's). */
      code?: AmstaffErrorCode;
    };

/** Something that wants to hear about every applied command (the scheduler, the delivery worker). */
export type ApplyListener = (command: Command, result: ApplyResult) => void;

const handlerIdentity = (handler: HandlerSpec) =>
  JSON.stringify({ plugin: handler.plugin, options: handler.options });

/**
 * An open incident across a re-push of its monitor: handlers are matched by plugin and options (their
 * positions may move); one that heard of the incident and is gone keeps its spec in `departed`, so it
 * still gets the resolve.
 */
function carryIncident(
  incident: IncidentRecord,
  before: MonitorDefinition,
  after: MonitorDefinition,
): IncidentRecord {
  const positions = new Map<string, number>();
  after.handlers.forEach((handler, i) => {
    const id = handlerIdentity(handler);
    if (!positions.has(id)) positions.set(id, i);
  });
  const moved = (indices: readonly number[] | undefined) =>
    (indices ?? []).flatMap((i) => {
      const handler = before.handlers[i];
      const to = handler && positions.get(handlerIdentity(handler));
      return to === undefined ? [] : [to];
    });
  const departed = [
    ...(incident.departed ?? []),
    ...incident.notified.flatMap((i) => {
      const handler = before.handlers[i];
      return handler && !positions.has(handlerIdentity(handler)) ? [{ index: i, handler }] : [];
    }),
  ];
  const held = moved(incident.held);
  return {
    ...incident,
    notified: [...new Set(moved(incident.notified))].sort((a, b) => a - b),
    held: held.length > 0 ? [...new Set(held)].sort((a, b) => a - b) : undefined,
    departed: departed.length > 0 ? departed : undefined,
  };
}

/** Silences kept after they expired, for `GET /silences?expired=true` and the record. */
const expiredSilencesKept = 100;

/**
 * The server's whole replicated state: modules, monitor statuses, transitions and deliveries.
 *
 * Deterministic by construction: `apply` reads nothing but its command and the log index (no clock,
 * no randomness, no I/O), so every node that applies the same log reaches the same state. Commands that
 * would break an invariant (a transition from a stale module version, or from a status the monitor is
 * no longer in) are refused with a reason, never applied halfway.
 */
export class StateMachine {
  #clusterId: string | undefined;
  readonly #modules = new Map<string, StoredModule>();
  readonly #monitors = new Map<string, MonitorRecord>();
  readonly #transitions = new Map<string, TransitionRecord>();
  readonly #transitionsByMonitor = new Map<string, string[]>();
  readonly #deliveries = new Map<string, DeliveryRecord>();
  /** Delivery ids by transition id. */
  readonly #deliveryIds = new Map<string, string[]>();
  readonly #history = new Map<string, ModuleRevision[]>();
  readonly #listeners = new Set<ApplyListener>();
  readonly #members = new Map<string, MemberRecord>();
  readonly #grants = new Map<string, OwnershipGrant>();
  readonly #silences = new Map<string, Silence>();
  /** The team of every module name that has history (a deleted module stays its team's). */
  readonly #teams = new Map<string, string>();
  #audit: AuditEntry[] = [];

  /** Listens to every applied command; returns the function that stops listening. */
  onApply(listener: ApplyListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies one committed command. `index` is its position in the log. */
  apply(raw: unknown, index: number): ApplyResult {
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) {
      // A command that does not parse can only come from a newer server version or a corrupt log:
      // refusing it keeps every node identical, since all of them refuse it the same way.
      return { ok: false, reason: `unrecognised command at log index ${index}` };
    }
    const command = parsed.data;
    const result = this.#apply(command, index);
    for (const listener of this.#listeners) listener(command, result);
    return result;
  }

  #apply(command: Command, index: number): ApplyResult {
    switch (command.type) {
      case "cluster.init":
        this.#clusterId ??= command.clusterId;
        return { ok: true };
      case "module.put":
        return this.#putModule(command, index);
      case "module.delete": {
        const refused = this.#otherTeams(command.actor, command.name, "delete");
        if (refused) return refused;
        const result = this.#deleteModule(command.name, index, command.at);
        if (result.ok) {
          this.#record(index, command.at, "module.delete", command.actor, {
            target: command.name,
            teams: [this.teamOf(command.name)],
          });
        }
        return result;
      }
      case "module.team":
        return this.#moveModule(command, index);
      case "audit.record":
        this.#record(index, command.at, command.action, command.actor, {
          target: command.target,
          teams: [],
          detail: command.detail,
        });
        return { ok: true };
      case "transition.record":
        return this.#recordTransition(command, index);
      case "delivery.attempt":
        return this.#recordAttempt(command);
      case "incident.remind":
        return this.#remind(command, index);
      case "incident.ack": {
        const refused = this.#otherTeams(command.actor, command.module, "acknowledge");
        if (refused) return refused;
        const result = this.#acknowledge(command);
        if (result.ok) {
          this.#record(index, command.at, "incident.ack", command.actor ?? { name: command.by }, {
            target: command.module,
            teams: [this.teamOf(command.module)],
            detail: `${command.monitor}${command.actor && command.by !== command.actor.name ? ` (by ${command.by})` : ""}`,
          });
        }
        return result;
      }
      case "silence.add": {
        if (command.silence.until <= command.at)
          return { ok: false, reason: "the silence has already ended" };
        if (this.#silences.has(command.silence.id))
          return { ok: false, reason: `silence ${command.silence.id} exists` };
        const refused = this.#otherTeams(command.actor, command.silence.module, "silence");
        if (refused) return refused;
        this.#silences.set(command.silence.id, command.silence);
        this.#pruneSilences(command.at);
        this.#record(index, command.at, "silence.add", command.actor ?? { name: command.silence.by }, {
          target: command.silence.id,
          ...this.#silenceScope(command.silence),
        });
        return { ok: true, silence: command.silence };
      }
      case "silence.remove": {
        const silence = this.#silences.get(command.id);
        if (!silence || silence.until <= command.at)
          return { ok: false, reason: `no active silence ${command.id}` };
        const refused = this.#otherTeams(command.actor, silence.module, "end a silence of");
        if (refused) return refused;
        const ended = { ...silence, until: command.at };
        this.#silences.set(command.id, ended);
        this.#record(index, command.at, "silence.remove", command.actor, {
          target: command.id,
          ...this.#silenceScope(silence),
        });
        return { ok: true, silence: ended };
      }
      case "node.announce": {
        const member = this.#members.get(command.node) ?? { id: command.node };
        member.apiUrl = command.apiUrl;
        member.internalUrl = command.internalUrl;
        if (command.raftAddress !== undefined) member.raftAddress = command.raftAddress;
        this.#members.set(command.node, member);
        return { ok: true };
      }
      case "node.add": {
        const member = this.#members.get(command.node) ?? { id: command.node };
        member.raftAddress = command.raftAddress;
        this.#members.set(command.node, member);
        return { ok: true };
      }
      case "node.remove":
        if (!this.#members.delete(command.node)) return { ok: false, reason: `no node ${command.node}` };
        return { ok: true };
      case "ownership.grant":
        this.#grants.set(command.module, {
          module: command.module,
          node: command.node,
          token: index,
          handoff: command.handoff,
          at: command.at,
        });
        return { ok: true };
      case "ownership.release":
        if (!this.#grants.delete(command.module))
          return { ok: false, reason: `module "${command.module}" has no owner` };
        return { ok: true };
    }
  }

  /**
   * Fencing (Kleppmann's fencing tokens; what Jepsen found missing in etcd-based locks): once a
   * module has an owner, only commands carrying that owner's current token change its monitors or
   * deliveries. A node that lost the module but has not noticed yet is refused here, whatever it
   * believes. Commands without a token are accepted only while the module has no owner (a log
   * written before ownership existed).
   */
  #stale(
    module: string,
    command: { owner?: string | undefined; token?: number | undefined },
  ): string | undefined {
    const grant = this.#grants.get(module);
    if (!grant) return command.token === undefined ? undefined : `module "${module}" has no owner now`;
    if (command.owner === grant.node && command.token === grant.token) return undefined;
    return `stale owner ${command.owner ?? "?"}/${command.token ?? "?"} for "${module}" (owner is ${grant.node}/${grant.token})`;
  }

  #putModule(command: Extract<Command, { type: "module.put" }>, index: number): ApplyResult {
    const { name, source, definition, at } = command;
    const by = command.actor?.name ?? command.by ?? "unknown";
    const owner = this.#teams.get(name);
    // The API checks this first; here it settles two teams racing for one new name, the same on every node.
    if (owner !== undefined && command.team !== undefined && command.team !== owner) {
      return {
        ok: false,
        code: "AMS_ERR_AUTH_TEAM",
        reason: `module "${name}" belongs to team "${owner}"`,
      };
    }
    const team = owner ?? command.team ?? defaultTeam;
    this.#teams.set(name, team);
    const previous = this.#modules.get(name);
    const history = this.#history.get(name) ?? [];
    const revision = (history.at(-1)?.revision ?? 0) + 1;
    const hash = createHash("sha256").update(source).digest("hex");
    const module: StoredModule = {
      name,
      source,
      definition,
      version: index,
      revision,
      hash,
      pushedBy: by,
      team,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    };
    // History outlives a delete, so a deleted module can be rolled back into existence.
    history.push({
      revision,
      version: index,
      hash,
      pushedBy: by,
      ...(command.actor?.team !== undefined && { pushedByTeam: command.actor.team }),
      ...(command.rollbackOf !== undefined && { rollbackOf: command.rollbackOf }),
      at,
      source,
      monitors: definition.monitors.map((m) => m.name),
    });
    this.#history.set(name, history.slice(-revisionsKept));
    this.#modules.set(name, module);
    // Monitors that survive a re-push keep their status, so re-deploying a module does not re-alert.
    for (const record of [...this.#monitors.values()]) {
      if (record.module !== name) continue;
      const before = previous?.definition.monitors.find((m) => m.name === record.monitor);
      const after = definition.monitors.find((m) => m.name === record.monitor);
      if (!after) this.#forgetMonitor(name, record.monitor, before, index, at);
      else if (before && record.incident) record.incident = carryIncident(record.incident, before, after);
    }
    for (const monitor of definition.monitors) {
      const key = monitorKey(name, monitor.name);
      if (!this.#monitors.has(key))
        this.#monitors.set(key, { module: name, monitor: monitor.name, status: "pending" });
    }
    this.#record(
      index,
      at,
      command.rollbackOf === undefined ? "module.push" : "module.rollback",
      command.actor ?? { name: by },
      {
        target: name,
        teams: [team],
        detail:
          command.rollbackOf === undefined
            ? `revision ${revision}`
            : `revision ${revision} (re-applies ${command.rollbackOf})`,
      },
    );
    return { ok: true, module };
  }

  #moveModule(command: Extract<Command, { type: "module.team" }>, index: number): ApplyResult {
    const from = this.#teams.get(command.name);
    if (from === undefined) return { ok: false, reason: `module "${command.name}" does not exist` };
    if (from === command.team)
      return { ok: false, reason: `module "${command.name}" is team "${from}"'s already` };
    this.#teams.set(command.name, command.team);
    const module = this.#modules.get(command.name);
    if (module) module.team = command.team;
    this.#record(index, command.at, "module.team", command.actor, {
      target: command.name,
      teams: [from, command.team],
      detail: `from team "${from}" to team "${command.team}"`,
    });
    return { ok: true, ...(module && { module }) };
  }

  /**
   * Refuses a team token's delete, acknowledgement or silence of a module that is another team's *when the
   * command applies*: the API checked the rights against its node's copy of the state, which an admin's
   * move of the module (`module.team`) may have overtaken. `module` undefined: a silence of every module,
   * an admin's only. Commands without a role (logs from before teams) and admins' pass.
   */
  #otherTeams(actor: Actor | undefined, module: string | undefined, what: string): ApplyResult | undefined {
    if (actor?.role === undefined || actor.role === "admin" || actor.team === undefined) return undefined;
    if (module === undefined) {
      return {
        ok: false,
        code: "AMS_ERR_AUTH_TEAM",
        reason: `only an admin may ${what} every module`,
      };
    }
    const owner = this.teamOf(module);
    if (owner === actor.team) return undefined;
    return {
      ok: false,
      code: "AMS_ERR_AUTH_TEAM",
      reason: `module "${module}" belongs to team "${owner}"`,
    };
  }

  /** The teams a silence reaches: its module's, or none (every module: only admins may). */
  #silenceScope(silence: Silence): { teams: string[]; detail: string } {
    const parts = [silence.module ?? "every module"];
    if (silence.scope.monitors) parts.push(`/ ${silence.scope.monitors.join(", ")}`);
    if (silence.scope.tags) parts.push(silence.scope.tags.map((t) => `#${t}`).join(" "));
    return {
      teams: silence.module === undefined ? [] : [this.teamOf(silence.module)],
      detail: parts.join(" "),
    };
  }

  #record(
    index: number,
    at: number,
    action: string,
    actor: Actor | undefined,
    entry: { target?: string | undefined; teams: string[]; detail?: string | undefined },
  ): void {
    this.#audit.push({
      index,
      at,
      action,
      ...(entry.target !== undefined && { target: entry.target }),
      teams: entry.teams,
      actor: actor ?? { name: "unknown" },
      ...(entry.detail !== undefined && { detail: entry.detail }),
    });
    if (this.#audit.length > auditEntriesKept + 100) this.#audit = this.#audit.slice(-auditEntriesKept);
  }

  #deleteModule(name: string, index: number, at: number): ApplyResult {
    const module = this.#modules.get(name);
    if (!module) return { ok: false, reason: `module "${name}" does not exist` };
    this.#modules.delete(name);
    for (const record of [...this.#monitors.values()]) {
      if (record.module !== name) continue;
      const definition = module.definition.monitors.find((m) => m.name === record.monitor);
      this.#forgetMonitor(name, record.monitor, definition, index, at);
    }
    return { ok: true };
  }

  /**
   * Drops a monitor's status; its transitions stay until their deliveries settle. A monitor removed
   * with an open incident closes it: every handler that heard of it gets its resolve.
   */
  #forgetMonitor(
    module: string,
    monitor: string,
    definition: MonitorDefinition | undefined,
    index: number,
    at: number,
  ): void {
    const record = this.#monitors.get(monitorKey(module, monitor));
    this.#monitors.delete(monitorKey(module, monitor));
    const incident = record?.incident;
    // Any open incident closes, a flapping one whose settled status is ok included.
    if (record && incident && definition) {
      const closed = decideAlerts(
        { status: record.status, since: record.since, flapping: record.flapping, incident },
        { type: "close", at },
        definition,
      );
      const transition: TransitionRecord = {
        id: `${this.#clusterId ?? "local"}-${index}-${createHash("sha256").update(monitor).digest("hex").slice(0, 8)}`,
        module,
        monitor,
        tags: definition.tags,
        from: closed.from,
        to: "ok",
        since: at,
        previousSince: closed.previousSince,
        result: {
          status: "ok",
          message: `"${monitor}" was removed from module "${module}": its incident is closed`,
          durationMs: 0,
          timestamp: at,
        },
        incident: incidentView(incident),
        kind: "transition",
        at,
      };
      this.#notify(transition, definition, closed.notify, incident.departed);
    }
    this.#prune(module, monitor, 0);
  }

  #recordTransition(command: Extract<Command, { type: "transition.record" }>, index: number): ApplyResult {
    const module = this.#modules.get(command.module);
    if (!module || module.version !== command.moduleVersion) {
      return { ok: false, reason: `stale module version ${command.moduleVersion} for "${command.module}"` };
    }
    const stale = this.#stale(command.module, command);
    if (stale) return { ok: false, reason: stale };
    const definition = module.definition.monitors.find((m) => m.name === command.monitor);
    const record = this.#monitors.get(monitorKey(command.module, command.monitor));
    if (!definition || !record) return { ok: false, reason: `unknown monitor "${command.monitor}"` };
    if (record.status !== command.from) {
      return { ok: false, reason: `monitor is ${record.status}, not ${command.from}` };
    }
    if (command.to === command.from && command.flapping === (record.flapping === true)) {
      return { ok: false, reason: `monitor is already ${record.status}` };
    }
    const id = `${this.#clusterId ?? "local"}-${index}`;
    const decision = this.#decide(module, definition, record, {
      type: "change",
      to: command.to,
      since: command.since,
      flapping: command.flapping,
      at: command.at,
      key: id,
    });
    const incident = decision.state.incident ?? record.incident;
    const transition: TransitionRecord = {
      id,
      module: command.module,
      monitor: command.monitor,
      tags: definition.tags,
      // A resolve reads as the recovery of the whole incident (alerting says from what, since when).
      from: decision.from,
      to: command.to,
      since: command.since,
      previousSince: decision.previousSince ?? command.previousSince,
      result: command.result,
      // An incident lives from the first failure (or flap) to the resolve, which still belongs to it.
      incident: incident && incidentView(incident),
      kind: decision.kind,
      ...(command.flapping && { flapping: true }),
      ...(decision.suppressed !== undefined && { suppressed: decision.suppressed }),
      at: command.at,
    };
    record.status = command.to;
    record.since = command.since;
    record.flapping = command.flapping || undefined;
    record.lastTransitionId = transition.id;
    // A closing incident's resolve also goes to handlers a later push removed (they heard of it).
    const departed = decision.state.incident ? undefined : record.incident?.departed;
    record.incident = decision.state.incident;
    const deliveries = this.#notify(transition, definition, decision.notify, departed);
    this.#prune(command.module, command.monitor, transitionsKeptPerMonitor);
    return { ok: true, transition, deliveries };
  }

  /**
   * Asks alerting (`decideAlerts` in @amstaff/core, the same code the offline simulator runs) who hears
   * of an event, with the suppression in force at the event's time.
   */
  #decide(
    module: StoredModule,
    definition: MonitorDefinition,
    record: MonitorRecord,
    event: AlertEvent,
  ): AlertDecision {
    const state: AlertState = {
      status: record.status,
      since: record.since,
      flapping: record.flapping,
      incident: record.incident,
    };
    return decideAlerts(state, event, definition, this.suppression(module, definition, event.at));
  }

  /** Why a monitor's alerts are held back at `at` (maintenance, a silence, a failing dependency), if they are. */
  suppression(module: StoredModule, definition: MonitorDefinition, at: number): string | undefined {
    return suppressionOf(module.definition, definition, {
      at,
      silences: this.#silences.values(),
      statusOf: (monitor) => this.#monitors.get(monitorKey(module.definition.name, monitor))?.status,
    });
  }

  /**
   * Stores a transition and creates a delivery for each of the handlers `notify` names, and for each
   * `departed` handler (removed from the monitor since it heard of the incident).
   */
  #notify(
    transition: TransitionRecord,
    definition: MonitorDefinition,
    notify: number[],
    departed: IncidentRecord["departed"] = [],
  ): DeliveryRecord[] {
    this.#transitions.set(transition.id, transition);
    const key = monitorKey(transition.module, transition.monitor);
    this.#transitionsByMonitor.set(key, [...(this.#transitionsByMonitor.get(key) ?? []), transition.id]);
    const deliveries: DeliveryRecord[] = [];
    const targets = [
      ...notify.flatMap((i) => {
        const handler = definition.handlers[i];
        return handler ? [{ handlerIndex: i, handler, suffix: String(i) }] : [];
      }),
      ...departed.map((d) => ({ handlerIndex: d.index, handler: d.handler, suffix: `departed-${d.index}` })),
    ];
    for (const { handlerIndex, handler, suffix } of targets) {
      const delivery: DeliveryRecord = {
        id: `${transition.id}-${suffix}`,
        transitionId: transition.id,
        module: transition.module,
        monitor: transition.monitor,
        handlerIndex,
        handler,
        status: "pending",
        attempts: 0,
        nextAttemptAt: transition.at,
      };
      this.#addDelivery(delivery);
      deliveries.push(delivery);
    }
    return deliveries;
  }

  #remind(command: Extract<Command, { type: "incident.remind" }>, index: number): ApplyResult {
    const module = this.#modules.get(command.module);
    const definition = module?.definition.monitors.find((m) => m.name === command.monitor);
    const record = this.#monitors.get(monitorKey(command.module, command.monitor));
    const incident = record?.incident;
    if (!module || !definition || !record || !incident || incident.key !== command.incident) {
      return { ok: false, reason: `incident ${command.incident} is not open` };
    }
    if (incident.acknowledged) return { ok: false, reason: `incident ${command.incident} is acknowledged` };
    const stale = this.#stale(command.module, command);
    if (stale) return { ok: false, reason: stale };
    const decision = this.#decide(module, definition, record, { type: "tick", at: command.at });
    if (decision.notify.length === 0) {
      return { ok: false, reason: `incident ${command.incident} has nothing due` };
    }
    const status = record.status as SampleStatus;
    const last = record.lastTransitionId ? this.#transitions.get(record.lastTransitionId) : undefined;
    const transition: TransitionRecord = {
      id: `${this.#clusterId ?? "local"}-${index}`,
      module: command.module,
      monitor: command.monitor,
      tags: definition.tags,
      from: status,
      to: status,
      since: record.since ?? command.at,
      previousSince: last?.previousSince,
      result: last?.result ?? { status, message: `still ${status}`, durationMs: 0, timestamp: command.at },
      incident: incidentView(incident),
      kind: decision.kind,
      at: command.at,
    };
    record.incident = decision.state.incident;
    const deliveries = this.#notify(transition, definition, decision.notify);
    this.#prune(command.module, command.monitor, transitionsKeptPerMonitor);
    return { ok: true, transition, deliveries };
  }

  #acknowledge(command: Extract<Command, { type: "incident.ack" }>): ApplyResult {
    const record = this.#monitors.get(monitorKey(command.module, command.monitor));
    const incident = record?.incident;
    if (!incident || (command.incident !== undefined && command.incident !== incident.key)) {
      return {
        ok: false,
        reason: `no open incident${command.incident ? ` ${command.incident}` : ""} on "${command.monitor}"`,
      };
    }
    if (incident.acknowledged)
      return { ok: false, reason: `already acknowledged by ${incident.acknowledged.by}` };
    // Alerting records what the acknowledgement covers (the worst status so far).
    const module = this.#modules.get(command.module);
    const definition = module?.definition.monitors.find((m) => m.name === command.monitor);
    const acknowledged = decideAlerts(
      { status: record.status, since: record.since, flapping: record.flapping, incident },
      { type: "ack", by: command.by, at: command.at },
      definition ?? { handlers: [] },
    ).state.incident?.acknowledged;
    incident.acknowledged = acknowledged ?? { by: command.by, at: command.at };
    return { ok: true, incident };
  }

  #recordAttempt(command: Extract<Command, { type: "delivery.attempt" }>): ApplyResult {
    const delivery = this.#deliveries.get(command.id);
    if (!delivery) return { ok: false, reason: `unknown delivery ${command.id}` };
    const stale = this.#stale(delivery.module, command);
    if (stale) return { ok: false, reason: stale };
    if (command.outcome === "sending") {
      // A number is claimed once: whoever sends next, after a lost record or a new owner, counts on.
      const last = Math.max(delivery.attempts, delivery.claimed ?? 0);
      if (delivery.status !== "pending" || command.attempt <= last) {
        return { ok: false, reason: `delivery ${command.id} already claimed attempt ${last}` };
      }
      delivery.claimed = command.attempt;
      return { ok: true, deliveries: [delivery] };
    }
    // The owner retries a record whose commit it could not confirm: the same record again is a no-op.
    if (command.attempt === delivery.attempts && this.#sameOutcome(delivery, command.outcome)) {
      return { ok: true };
    }
    // Attempts are recorded in order; a late duplicate of an older attempt changes nothing.
    if (delivery.status !== "pending" || command.attempt <= delivery.attempts) {
      return { ok: false, reason: `delivery ${command.id} already recorded attempt ${delivery.attempts}` };
    }
    delivery.attempts = command.attempt;
    delivery.lastError = command.error;
    if (command.receipt !== undefined) delivery.receipt = command.receipt;
    if (command.outcome === "delivered") {
      delivery.status = "delivered";
      delivery.deliveredAt = command.at;
    } else if (command.outcome === "failed") {
      delivery.status = "failed";
    } else {
      delivery.nextAttemptAt = command.nextAttemptAt ?? command.at;
    }
    const transition = this.#transitions.get(delivery.transitionId);
    if (transition) {
      const live = this.#monitors.has(monitorKey(transition.module, transition.monitor));
      this.#prune(transition.module, transition.monitor, live ? transitionsKeptPerMonitor : 0);
    }
    return { ok: true, deliveries: [delivery] };
  }

  #sameOutcome(delivery: DeliveryRecord, outcome: "delivered" | "retrying" | "failed"): boolean {
    return outcome === "retrying" ? delivery.status === "pending" : delivery.status === outcome;
  }

  /** Keeps the newest `keep` transitions of a monitor, and any older one still being delivered. */
  #prune(module: string, monitor: string, keep: number): void {
    const key = monitorKey(module, monitor);
    const ids = this.#transitionsByMonitor.get(key);
    if (!ids) return;
    const kept = ids.filter((id, i) => {
      if (i >= ids.length - keep) return true;
      const deliveries = this.#deliveriesOf(id);
      if (deliveries.some((d) => d.status === "pending")) return true;
      this.#transitions.delete(id);
      this.#deliveryIds.delete(id);
      for (const d of deliveries) this.#deliveries.delete(d.id);
      return false;
    });
    if (kept.length > 0) this.#transitionsByMonitor.set(key, kept);
    else this.#transitionsByMonitor.delete(key);
  }

  /** Forgets silences that ended long ago, keeping the newest {@link expiredSilencesKept}. */
  #pruneSilences(at: number): void {
    const expired = [...this.#silences.values()]
      .filter((s) => s.until <= at)
      .sort((a, b) => b.until - a.until);
    for (const silence of expired.slice(expiredSilencesKept)) this.#silences.delete(silence.id);
  }

  #deliveriesOf(transitionId: string): DeliveryRecord[] {
    return (this.#deliveryIds.get(transitionId) ?? []).flatMap((id) => this.#deliveries.get(id) ?? []);
  }

  #addDelivery(delivery: DeliveryRecord): void {
    this.#deliveries.set(delivery.id, delivery);
    const ids = this.#deliveryIds.get(delivery.transitionId) ?? [];
    this.#deliveryIds.set(delivery.transitionId, [...ids, delivery.id]);
  }

  /** The cluster's id, fixed by its first command. */
  get clusterId(): string | undefined {
    return this.#clusterId;
  }

  /** Every module, by name. */
  modules(): StoredModule[] {
    return [...this.#modules.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The team a module belongs to: recorded at its first push, kept after a delete (its history, and
   * rolling it back, stay the team's), changed only by an admin (`module.team`). `default` for a name
   * never pushed.
   */
  teamOf(name: string): string {
    return this.#teams.get(name) ?? defaultTeam;
  }

  /** Whether a module name was ever pushed (it exists, or its history does). */
  isKnownModule(name: string): boolean {
    return this.#teams.has(name);
  }

  /**
   * The audit, newest first: every write the log applied, with the token that made it. With `team`,
   * only the entries concerning that team or made by its tokens.
   */
  audit(filter: { team?: string; module?: string; limit?: number } = {}): AuditEntry[] {
    const { team, module, limit = 200 } = filter;
    const entries: AuditEntry[] = [];
    for (let i = this.#audit.length - 1; i >= 0 && entries.length < limit; i--) {
      const entry = this.#audit[i]!;
      if (team !== undefined && !entry.teams.includes(team) && entry.actor.team !== team) continue;
      if (module !== undefined && entry.target !== module) continue;
      entries.push(entry);
    }
    return entries;
  }

  /** The versions of a module pushed so far, oldest first (also after it was deleted). */
  history(name: string): ModuleRevision[] {
    return this.#history.get(name) ?? [];
  }

  module(name: string): StoredModule | undefined {
    return this.#modules.get(name);
  }

  monitor(module: string, monitor: string): MonitorRecord | undefined {
    return this.#monitors.get(monitorKey(module, monitor));
  }

  transition(id: string): TransitionRecord | undefined {
    return this.#transitions.get(id);
  }

  /** Transitions of one monitor, oldest first. */
  transitionsOf(module: string, monitor: string): TransitionRecord[] {
    return (this.#transitionsByMonitor.get(monitorKey(module, monitor)) ?? []).flatMap((id) => {
      const t = this.#transitions.get(id);
      return t ? [t] : [];
    });
  }

  /**
   * The receipt a handler returned for the first delivery of an incident that had one, to hand to the
   * incident's later deliveries (a Slack thread to reply in).
   */
  receiptFor(
    module: string,
    monitor: string,
    incident: string,
    handlerIndex: number,
  ): DeliveryRecord["receipt"] {
    for (const transition of this.transitionsOf(module, monitor)) {
      if (transition.incident?.key !== incident) continue;
      const receipt = this.#deliveries.get(`${transition.id}-${handlerIndex}`)?.receipt;
      if (receipt !== undefined) return receipt;
    }
    return undefined;
  }

  /** Silences, newest first: active ones at `at`, or all that are kept when `at` is absent. */
  silences(at?: number): Silence[] {
    return [...this.#silences.values()]
      .filter((s) => at === undefined || (s.from <= at && at < s.until))
      .sort((a, b) => b.from - a.from);
  }

  /** The nodes the log knows of (their API and Raft addresses), by id. */
  members(): MemberRecord[] {
    return [...this.#members.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  member(id: string): MemberRecord | undefined {
    return this.#members.get(id);
  }

  /** The owner of a module and its fencing token, if it has one. */
  grant(module: string): OwnershipGrant | undefined {
    return this.#grants.get(module);
  }

  /** Every ownership grant. */
  grants(): OwnershipGrant[] {
    return [...this.#grants.values()];
  }

  /** The modules that need an owner: those that exist, and deleted ones with deliveries still pending. */
  ownable(): string[] {
    const names = new Set(this.#modules.keys());
    for (const d of this.#deliveries.values()) if (d.status === "pending") names.add(d.module);
    return [...names].sort();
  }

  /** One delivery, while it is kept. */
  delivery(id: string): DeliveryRecord | undefined {
    return this.#deliveries.get(id);
  }

  /** Every delivery still to be made. */
  pendingDeliveries(): DeliveryRecord[] {
    return [...this.#deliveries.values()].filter((d) => d.status === "pending");
  }

  /** Deliveries, newest first, optionally of one monitor. */
  deliveries(filter: { module?: string; monitor?: string } = {}): DeliveryRecord[] {
    return [...this.#deliveries.values()]
      .filter(
        (d) =>
          (filter.module === undefined || d.module === filter.module) &&
          (filter.monitor === undefined || d.monitor === filter.monitor),
      )
      .reverse();
  }

  /** The whole state as bytes, for log compaction and for catching up a new node. */
  snapshot(): Uint8Array {
    const data = {
      format: 2,
      clusterId: this.#clusterId,
      members: [...this.#members.values()],
      grants: [...this.#grants.values()],
      modules: [...this.#modules.values()],
      monitors: [...this.#monitors.values()],
      transitions: [...this.#transitionsByMonitor.values()].flat().map((id) => this.#transitions.get(id)),
      deliveries: [...this.#deliveries.values()],
      history: [...this.#history.entries()],
      silences: [...this.#silences.values()],
      teams: [...this.#teams.entries()],
      audit: this.#audit.slice(-auditEntriesKept),
    };
    return new TextEncoder().encode(JSON.stringify(data));
  }

  /** Replaces the whole state by a snapshot's. */
  restore(snapshot: Uint8Array): void {
    let data: {
      format: number;
      clusterId?: string;
      modules: StoredModule[];
      monitors: MonitorRecord[];
      transitions: TransitionRecord[];
      deliveries: DeliveryRecord[];
      history: [string, ModuleRevision[]][];
      members?: MemberRecord[];
      grants?: OwnershipGrant[];
      silences?: Silence[];
      teams?: [string, string][];
      audit?: AuditEntry[];
    };
    try {
      data = JSON.parse(new TextDecoder().decode(snapshot));
    } catch (cause) {
      throw new AmstaffError("AMS_ERR_STATE_CORRUPT", "The state snapshot is not valid JSON.", { cause });
    }
    if (data.format !== 1 && data.format !== 2) {
      throw new AmstaffError("AMS_ERR_STATE_CORRUPT", `Unsupported snapshot format ${String(data.format)}.`);
    }
    this.#clusterId = data.clusterId;
    this.#modules.clear();
    this.#monitors.clear();
    this.#transitions.clear();
    this.#transitionsByMonitor.clear();
    this.#deliveries.clear();
    this.#deliveryIds.clear();
    this.#history.clear();
    this.#members.clear();
    this.#grants.clear();
    this.#silences.clear();
    this.#teams.clear();
    // A snapshot from before teams: every module it knows is team `default`'s, as its log would say.
    for (const [name] of data.history) this.#teams.set(name, defaultTeam);
    for (const m of data.modules) this.#teams.set(m.name, m.team ?? defaultTeam);
    for (const [name, team] of data.teams ?? []) this.#teams.set(name, team);
    this.#audit = data.audit ?? [];
    for (const silence of data.silences ?? []) this.#silences.set(silence.id, silence);
    for (const m of data.members ?? []) this.#members.set(m.id, m);
    for (const g of data.grants ?? []) this.#grants.set(g.module, g);
    for (const [name, revisions] of data.history) this.#history.set(name, revisions);
    for (const m of data.modules) this.#modules.set(m.name, { ...m, team: this.teamOf(m.name) });
    for (const m of data.monitors) this.#monitors.set(monitorKey(m.module, m.monitor), m);
    for (const t of data.transitions) {
      this.#transitions.set(t.id, t);
      const key = monitorKey(t.module, t.monitor);
      this.#transitionsByMonitor.set(key, [...(this.#transitionsByMonitor.get(key) ?? []), t.id]);
    }
    for (const d of data.deliveries) this.#addDelivery(d);
  }
}
