import { AmstaffError, type HeartbeatRecord, type MonitorDefinition, type Silence } from "@amstaff/core";
import { suppression } from "./alerting.js";
import { AuditLog, recordAudit } from "./audit.js";
import { type Command, commandSchema } from "./commands.js";
import { DeliveryBook, recordAttempt } from "./deliveries.js";
import { GroupBook } from "./groups.js";
import { HeartbeatBook, recordPing, setHeartbeatSecret } from "./heartbeats.js";
import { importState } from "./import.js";
import { acknowledgeIncident, remindIncident } from "./incidents.js";
import { addNode, announceNode, grantOwnership, Members, releaseOwnership, removeNode } from "./members.js";
import { deleteModule, ModuleRegistry, moveModule, putModule } from "./modules.js";
import { MonitorStatuses, recordTransition } from "./monitors.js";
import type {
  AuditEntry,
  DeliveryRecord,
  GroupRecord,
  MemberRecord,
  ModuleRevision,
  MonitorRecord,
  OwnershipGrant,
  StoredModule,
  TransitionRecord,
} from "./records.js";
import type { ApplyResult, StateSlices } from "./reducer.js";
import { addSilence, removeSilence, SilenceBook } from "./silences.js";
import {
  decodeSnapshot,
  encodeSnapshot,
  encodeSnapshotInSlices,
  growingBudget,
  isSequence,
  type SnapshotData,
  type SnapshotField,
  snapshotFormat,
} from "./snapshot.js";
import type { StatusNoteRecord, StatusPageRecord } from "./statusPageSchema.js";
import {
  deleteStatusNote,
  deleteStatusPage,
  postStatusNote,
  putStatusPage,
  StatusPageBook,
  updateStatusNote,
} from "./statusPages.js";
import { TransitionLog } from "./transitions.js";

export { auditEntriesKept } from "./audit.js";
export { revisionsKept } from "./modules.js";
export type { ApplyResult } from "./reducer.js";
export { transitionsKeptPerMonitor } from "./transitions.js";

/** Something that wants to hear about every applied command (the scheduler, the delivery worker). */
export type ApplyListener = (command: Command, result: ApplyResult) => void;

/**
 * The server's whole replicated state: modules, monitor statuses, transitions and deliveries.
 *
 * Deterministic by construction: `apply` reads nothing but its command and the log index (no clock,
 * no randomness, no I/O), so every node that applies the same log reaches the same state. Commands that
 * would break an invariant (a transition from a stale module version, or from a status the monitor is
 * no longer in) are refused with a reason, never applied halfway.
 *
 * This class only dispatches: each command goes to its concept's reducer (./modules.ts, ./monitors.ts,
 * ./incidents.ts, ./deliveries.ts, ./silences.ts, ./members.ts, ./audit.ts), which changes that
 * concept's slice of the state and calls the others it affects. It owns what spans every slice: the
 * cluster's id, the `onApply` listeners, and snapshot/restore.
 */
export class StateMachine {
  #clusterId: string | undefined;
  /** Counts applied commands and restores: an encode in slices checks that it did not move. */
  #revision = 0;
  readonly #listeners = new Set<ApplyListener>();
  readonly #state: StateSlices = {
    modules: new ModuleRegistry(),
    monitors: new MonitorStatuses(),
    transitions: new TransitionLog(),
    deliveries: new DeliveryBook(),
    groups: new GroupBook(),
    silences: new SilenceBook(),
    members: new Members(),
    audit: new AuditLog(),
    heartbeats: new HeartbeatBook(),
    statusPages: new StatusPageBook(),
    // Joined, not a template: a template's rope outlives the flat copy hashing makes (~60 B a transition).
    transitionId: (index) => [this.#clusterId ?? "local", index].join("-"),
  };

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
    this.#revision++;
    const result = this.#dispatch(command, index);
    for (const listener of this.#listeners) listener(command, result);
    return result;
  }

  #dispatch(command: Command, index: number): ApplyResult {
    const state = this.#state;
    switch (command.type) {
      case "cluster.init":
        this.#clusterId ??= command.clusterId;
        return { ok: true };
      case "module.put":
        return putModule(state, command, index);
      case "module.delete":
        return deleteModule(state, command, index);
      case "module.team":
        return moveModule(state, command, index);
      case "audit.record":
        return recordAudit(state, command, index);
      case "transition.record":
        return recordTransition(state, command, index);
      case "delivery.attempt":
        return recordAttempt(state, command, index);
      case "incident.remind":
        return remindIncident(state, command, index);
      case "incident.ack":
        return acknowledgeIncident(state, command, index);
      case "silence.add":
        return addSilence(state, command, index);
      case "silence.remove":
        return removeSilence(state, command, index);
      case "node.announce":
        return announceNode(state, command, index);
      case "node.add":
        return addNode(state, command, index);
      case "node.remove":
        return removeNode(state, command, index);
      case "ownership.grant":
        return grantOwnership(state, command, index);
      case "ownership.release":
        return releaseOwnership(state, command, index);
      case "heartbeat.secret":
        return setHeartbeatSecret(state, command, index);
      case "heartbeat.ping":
        return recordPing(state, command, index);
      case "state.import":
        return importState(state, command, index);
      case "statuspage.put":
        return putStatusPage(state, command, index);
      case "statuspage.delete":
        return deleteStatusPage(state, command, index);
      case "statusnote.post":
        return postStatusNote(state, command, index);
      case "statusnote.update":
        return updateStatusNote(state, command, index);
      case "statusnote.delete":
        return deleteStatusNote(state, command, index);
    }
  }

  /** The cluster's id, fixed by its first command. */
  get clusterId(): string | undefined {
    return this.#clusterId;
  }

  /** Every module, by name. */
  modules(): StoredModule[] {
    return this.#state.modules.list();
  }

  /**
   * The team a module belongs to: recorded at its first push, kept after a delete (its history, and
   * rolling it back, stay the team's), changed only by an admin (`module.team`). `default` for a name
   * never pushed.
   */
  teamOf(name: string): string {
    return this.#state.modules.teamOf(name);
  }

  /** Whether a module name was ever pushed (it exists, or its history does). */
  isKnownModule(name: string): boolean {
    return this.#state.modules.recordedTeam(name) !== undefined;
  }

  /**
   * The audit, newest first: every write the log applied, with the token that made it. With `team`,
   * only the entries concerning that team or made by its tokens.
   */
  audit(filter: { team?: string; module?: string; limit?: number } = {}): AuditEntry[] {
    return this.#state.audit.entries(filter);
  }

  /** The versions of a module pushed so far, oldest first (also after it was deleted). */
  history(name: string): ModuleRevision[] {
    return this.#state.modules.history(name);
  }

  /** The current version of a module, if it exists. */
  module(name: string): StoredModule | undefined {
    return this.#state.modules.get(name);
  }

  /** The committed status of one monitor, while its module has it. */
  monitor(module: string, monitor: string): MonitorRecord | undefined {
    return this.#state.monitors.get(module, monitor);
  }

  /** One transition, while it is kept. */
  transition(id: string): TransitionRecord | undefined {
    return this.#state.transitions.get(id);
  }

  /** Transitions of one monitor, oldest first. */
  transitionsOf(module: string, monitor: string): TransitionRecord[] {
    return this.#state.transitions.of(module, monitor);
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
    return this.#state.deliveries.receiptFor(this.transitionsOf(module, monitor), incident, handlerIndex);
  }

  /** Why a monitor's alerts are held back at `at` (maintenance, a silence, a failing dependency), if they are. */
  suppression(module: StoredModule, definition: MonitorDefinition, at: number): string | undefined {
    return suppression(this.#state, module, definition, at);
  }

  /** Silences, newest first: active ones at `at`, or all that are kept when `at` is absent. */
  silences(at?: number): Silence[] {
    return this.#state.silences.list(at);
  }

  /** The nodes the log knows of (their API and Raft addresses), by id. */
  members(): MemberRecord[] {
    return this.#state.members.list();
  }

  /** One node the log knows of. */
  member(id: string): MemberRecord | undefined {
    return this.#state.members.get(id);
  }

  /** The owner of a module and its fencing token, if it has one. */
  grant(module: string): OwnershipGrant | undefined {
    return this.#state.members.grant(module);
  }

  /** Every ownership grant. */
  grants(): OwnershipGrant[] {
    return this.#state.members.grants();
  }

  /** The modules that need an owner: those that exist, and deleted ones with deliveries still pending. */
  ownable(): string[] {
    const names = new Set(this.#state.modules.names());
    for (const d of this.#state.deliveries.pending()) names.add(d.module);
    return [...names].sort();
  }

  /** One delivery, while it is kept. */
  delivery(id: string): DeliveryRecord | undefined {
    return this.#state.deliveries.get(id);
  }

  /** The deliveries of one transition, while it is kept. */
  deliveriesOf(transitionId: string): DeliveryRecord[] {
    return this.#state.deliveries.of(transitionId);
  }

  /** Every delivery still to be made. */
  pendingDeliveries(): DeliveryRecord[] {
    return this.#state.deliveries.pending();
  }

  /** One group of a grouping handler, while it is kept. */
  group(id: string): GroupRecord | undefined {
    return this.#state.groups.get(id);
  }

  /** Every group of a grouping handler still to be sent, oldest first. */
  pendingGroups(): GroupRecord[] {
    return this.#state.groups.pending();
  }

  /** Deliveries, newest first, optionally of one monitor. */
  deliveries(filter: { module?: string; monitor?: string } = {}): DeliveryRecord[] {
    return this.#state.deliveries.list(filter);
  }

  /** The committed heartbeat pings of a monitor (`@amstaff/sampler-heartbeat`). */
  heartbeat(module: string, monitor: string): HeartbeatRecord | undefined {
    return this.#state.heartbeats.get(module, monitor);
  }

  /** The secret heartbeat ping ids are made with; undefined until a `heartbeat.secret` is committed. */
  get heartbeatSecret(): string | undefined {
    return this.#state.heartbeats.secret;
  }

  /** The monitor sampled by `plugin` whose ping id is `id`, if any. */
  pingTarget(id: string, plugin: string): { module: string; monitor: string } | undefined {
    return this.#state.heartbeats.find(id, this.#state.modules.list(), plugin);
  }

  /** The configured status pages, by slug. */
  statusPages(): StatusPageRecord[] {
    return this.#state.statusPages.list();
  }

  /** One configured status page. */
  statusPage(slug: string): StatusPageRecord | undefined {
    return this.#state.statusPages.get(slug);
  }

  /** A status page's incidents, maintenance and announcements, newest first. */
  statusNotes(slug: string): StatusNoteRecord[] {
    return this.#state.statusPages.notes(slug);
  }

  /** The whole state as bytes, for log compaction and for catching up a new node. */
  snapshot(): Uint8Array {
    const fields = this.#snapshotFields().map(([key, read]) => {
      const value = read();
      return [key, isSequence(value) ? [...value] : value];
    });
    return encodeSnapshot(Object.fromEntries(fields) as SnapshotData);
  }

  /**
   * The same bytes as {@link StateMachine.snapshot}, encoded in slices of about `budgetMs` with turns of
   * the event loop between them (50,000 monitors are ~35 MB of JSON: 250–500 ms in one go). Nothing may
   * be applied or restored until it settles — the Raft node holds applying meanwhile; should it happen
   * anyway, the encode fails rather than mix two states.
   *
   * Slices grow the longer it runs (see {@link growingBudget}): reads and lease renewals wait for applying
   * meanwhile, and a lease needs it within 800 ms.
   */
  async snapshotInSlices(budgetMs = 4, growEveryMs = 250): Promise<Uint8Array> {
    const revision = this.#revision;
    const bytes = await encodeSnapshotInSlices(this.#snapshotFields(), growingBudget(budgetMs, growEveryMs));
    if (this.#revision !== revision) {
      throw new AmstaffError(
        "AMS_ERR_STATE_CORRUPT",
        "The state changed while its snapshot was being encoded; the snapshot was discarded.",
      );
    }
    return bytes;
  }

  /** The snapshot's fields in their order, each read when its turn comes. */
  #snapshotFields(): SnapshotField[] {
    const state = this.#state;
    return [
      ["format", () => snapshotFormat],
      ["clusterId", () => this.#clusterId],
      ["members", () => state.members.all()],
      ["grants", () => state.members.grants()],
      ["modules", () => state.modules.all()],
      ["monitors", () => state.monitors.all()],
      ["transitions", () => state.transitions.each()],
      ["deliveries", () => state.deliveries.all()],
      ["history", () => state.modules.histories()],
      ["silences", () => [...state.silences.all()]],
      ["teams", () => state.modules.teams()],
      ["audit", () => state.audit.kept()],
      ["heartbeats", () => state.heartbeats.all()],
      ["groups", () => state.groups.all()],
      ["statusPages", () => state.statusPages.all()],
    ];
  }

  /** Replaces the whole state by a snapshot's. */
  restore(snapshot: Uint8Array): void {
    const data = decodeSnapshot(snapshot);
    this.#revision++;
    const state = this.#state;
    this.#clusterId = data.clusterId;
    state.modules.restore(data.modules, data.history, data.teams);
    state.audit.restore(data.audit ?? []);
    state.silences.restore(data.silences ?? []);
    state.members.restore(data.members ?? [], data.grants ?? []);
    state.monitors.restore(data.monitors);
    state.transitions.restore(data.transitions);
    state.deliveries.restore(data.deliveries);
    state.heartbeats.restore(data.heartbeats);
    state.groups.restore(data.groups ?? []);
    state.statusPages.restore(data.statusPages);
  }
}
