import type { MonitorDefinition } from "@amstaff/core";
import type { Attempts, DeliveryRecord, IncidentRecord, TransitionRecord } from "./records.js";
import type { CommandOf, Reducer, StateSlices } from "./reducer.js";
import { transitionsKeptPerMonitor } from "./transitions.js";

/** The deliveries: one per handler a committed transition notifies, kept while its transition is. */
export class DeliveryBook {
  readonly #deliveries = new Map<string, DeliveryRecord>();
  /** Delivery ids by transition id. */
  readonly #byTransition = new Map<string, string[]>();

  /** One delivery, while it is kept. */
  get(id: string): DeliveryRecord | undefined {
    return this.#deliveries.get(id);
  }

  /** The deliveries of one transition. */
  of(transitionId: string): DeliveryRecord[] {
    return (this.#byTransition.get(transitionId) ?? []).flatMap((id) => this.#deliveries.get(id) ?? []);
  }

  /** Every delivery still to be made, oldest first. */
  pending(): DeliveryRecord[] {
    return [...this.#deliveries.values()].filter((d) => d.status === "pending");
  }

  /** Deliveries, newest first, optionally of one monitor. */
  list(filter: { module?: string; monitor?: string } = {}): DeliveryRecord[] {
    return [...this.#deliveries.values()]
      .filter(
        (d) =>
          (filter.module === undefined || d.module === filter.module) &&
          (filter.monitor === undefined || d.monitor === filter.monitor),
      )
      .reverse();
  }

  /** Every delivery kept, oldest first, for a snapshot. */
  all(): DeliveryRecord[] {
    return [...this.#deliveries.values()];
  }

  /**
   * The receipt a handler returned for the first delivery of an incident that had one, among the
   * monitor's `transitions` (oldest first), to hand to the incident's later deliveries (a Slack thread
   * to reply in).
   */
  receiptFor(
    transitions: TransitionRecord[],
    incident: string,
    handlerIndex: number,
  ): DeliveryRecord["receipt"] {
    for (const transition of transitions) {
      if (transition.incident?.key !== incident) continue;
      const receipt = this.#deliveries.get(`${transition.id}-${handlerIndex}`)?.receipt;
      if (receipt !== undefined) return receipt;
    }
    return undefined;
  }

  /**
   * Creates a pending delivery of a transition for each of the handlers `notify` names, and for each
   * `departed` handler (removed from the monitor since it heard of the incident).
   */
  open(
    transition: TransitionRecord,
    definition: MonitorDefinition,
    notify: number[],
    departed: NonNullable<IncidentRecord["departed"]>,
  ): DeliveryRecord[] {
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
      this.#add(delivery);
      deliveries.push(delivery);
    }
    return deliveries;
  }

  /** Forgets the deliveries of a transition that is forgotten. */
  forget(transitionId: string): void {
    for (const d of this.of(transitionId)) this.#deliveries.delete(d.id);
    this.#byTransition.delete(transitionId);
  }

  /** Replaces every delivery by a snapshot's. */
  restore(deliveries: DeliveryRecord[]): void {
    this.#deliveries.clear();
    this.#byTransition.clear();
    for (const d of deliveries) this.#add(d);
  }

  #add(delivery: DeliveryRecord): void {
    this.#deliveries.set(delivery.id, delivery);
    const ids = this.#byTransition.get(delivery.transitionId) ?? [];
    this.#byTransition.set(delivery.transitionId, [...ids, delivery.id]);
  }
}

/** What an attempt changes: a delivery, or a group of a grouping handler's deliveries sent as one. */
type Attempted = Attempts & { module: string };

/** Whether a recorded outcome is the one a delivery already has (a retried record of the same attempt). */
function sameOutcome(delivery: Attempted, outcome: "delivered" | "retrying" | "failed"): boolean {
  return outcome === "retrying" ? delivery.status === "pending" : delivery.status === outcome;
}

/**
 * `delivery.attempt`: the module's owner claims an attempt number before calling the handler
 * (`sending`), then records how it ended. Refused from a stale owner, and for a number already claimed
 * or recorded. The id may name a group: its attempts are a delivery's, and its end settles its members.
 */
export const recordAttempt: Reducer<"delivery.attempt"> = (state, command) => {
  const group = state.groups.get(command.id);
  const delivery: Attempted | undefined = group ?? state.deliveries.get(command.id);
  if (!delivery) return { ok: false, reason: `unknown delivery ${command.id}` };
  const stale = state.members.stale(delivery.module, command);
  if (stale) return { ok: false, reason: stale };
  if (command.outcome === "sending") {
    // A number is claimed once: whoever sends next, after a lost record or a new owner, counts on.
    const last = Math.max(delivery.attempts, delivery.claimed ?? 0);
    if (delivery.status !== "pending" || command.attempt <= last) {
      return { ok: false, reason: `delivery ${command.id} already claimed attempt ${last}` };
    }
    delivery.claimed = command.attempt;
    return group ? { ok: true } : { ok: true, deliveries: [delivery as DeliveryRecord] };
  }
  // The owner retries a record whose commit it could not confirm: the same record again is a no-op.
  if (command.attempt === delivery.attempts && sameOutcome(delivery, command.outcome)) {
    return { ok: true };
  }
  // Attempts are recorded in order; a late duplicate of an older attempt changes nothing.
  if (delivery.status !== "pending" || command.attempt <= delivery.attempts) {
    return { ok: false, reason: `delivery ${command.id} already recorded attempt ${delivery.attempts}` };
  }
  recordOutcome(delivery, command);
  if (!group) {
    pruneAfter(state, delivery as DeliveryRecord);
    return { ok: true, deliveries: [delivery as DeliveryRecord] };
  }
  const members = group.members.flatMap((id) => {
    const member = state.deliveries.get(id);
    return member?.status === "pending" ? [member] : [];
  });
  for (const member of members) {
    recordOutcome(member, { ...command, receipt: command.receipts?.[member.id] ?? command.receipt });
    if (command.outcome === "retrying") member.nextAttemptAt = group.nextAttemptAt;
  }
  for (const member of members) pruneAfter(state, member);
  return { ok: true, deliveries: members };
};

function recordOutcome(delivery: Attempted, command: CommandOf<"delivery.attempt">): void {
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
}

/** Lets go of the delivered transitions of a delivery's monitor beyond what is kept. */
function pruneAfter(state: StateSlices, delivery: DeliveryRecord): void {
  const transition = state.transitions.get(delivery.transitionId);
  if (!transition) return;
  const live = state.monitors.get(transition.module, transition.monitor) !== undefined;
  state.transitions.prune(
    transition.module,
    transition.monitor,
    live ? transitionsKeptPerMonitor : 0,
    state.deliveries,
  );
}
