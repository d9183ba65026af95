import type { MonitorDefinition } from "@amstaff/core";
import { ByMonitor } from "./byMonitor.js";
import type { DeliveryBook } from "./deliveries.js";
import type { DeliveryRecord, IncidentRecord, TransitionRecord } from "./records.js";
import type { StateSlices } from "./reducer.js";

/** How many committed transitions each monitor keeps once all their deliveries have settled. */
export const transitionsKeptPerMonitor = 50;

/** The committed transitions, by id and by monitor (oldest first). */
export class TransitionLog {
  readonly #transitions = new Map<string, TransitionRecord>();
  /**
   * Transition ids by monitor, oldest first; a monitor's only one as the id itself (most monitors have
   * one: an array of one is 56 bytes more).
   */
  readonly #byMonitor = new ByMonitor<string | string[]>();
  /** Result messages as committed so far, one string each: see {@link TransitionLog.sharedMessage}. */
  readonly #messages = new Map<string, string>();

  /**
   * `message` as an equal one committed before, if any (`HTTP 200 in 3 ms`: a committed transition of every
   * monitor holds one, and most are alike): at most 10,000 messages of at most 100 characters are kept, the
   * first met.
   */
  sharedMessage(message: string): string {
    const known = this.#messages.get(message);
    if (known !== undefined) return known;
    if (this.#messages.size < 10_000 && message.length <= 100) this.#messages.set(message, message);
    return message;
  }

  /** One transition, while it is kept. */
  get(id: string): TransitionRecord | undefined {
    return this.#transitions.get(id);
  }

  /** Transitions of one monitor, oldest first. */
  of(module: string, monitor: string): TransitionRecord[] {
    return this.#records(this.#ids(module, monitor));
  }

  /** Every transition kept, monitor by monitor, for a snapshot. */
  all(): TransitionRecord[] {
    return [...this.each()];
  }

  /** {@link TransitionLog.all} one at a time (50,000 monitors' take ~12 ms to gather at once). */
  *each(): Generator<TransitionRecord> {
    for (const ids of this.#byMonitor.values()) {
      for (const id of typeof ids === "string" ? [ids] : ids) {
        const transition = this.#transitions.get(id);
        if (transition) yield transition;
      }
    }
  }

  #ids(module: string, monitor: string): string[] {
    const ids = this.#byMonitor.get(module, monitor);
    return ids === undefined ? [] : typeof ids === "string" ? [ids] : ids;
  }

  #records(ids: string[]): TransitionRecord[] {
    return ids.flatMap((id) => this.#transitions.get(id) ?? []);
  }

  /** Keeps a transition as its monitor's newest. */
  add(transition: TransitionRecord): void {
    this.#transitions.set(transition.id, transition);
    const { module, monitor } = transition;
    const ids = this.#ids(module, monitor);
    this.#byMonitor.set(module, monitor, ids.length === 0 ? transition.id : [...ids, transition.id]);
  }

  /**
   * Keeps the newest `keep` transitions of a monitor, and any older one still being delivered; the
   * others go, with their deliveries.
   */
  prune(module: string, monitor: string, keep: number, deliveries: DeliveryBook): void {
    const ids = this.#ids(module, monitor);
    if (ids.length === 0) return;
    const kept = ids.filter((id, i) => {
      if (i >= ids.length - keep) return true;
      if (deliveries.of(id).some((d) => d.status === "pending")) return true;
      this.#transitions.delete(id);
      deliveries.forget(id);
      return false;
    });
    if (kept.length > 0) this.#byMonitor.set(module, monitor, kept.length === 1 ? kept[0]! : kept);
    else this.#byMonitor.delete(module, monitor);
  }

  /** Replaces every transition by a snapshot's (monitor by monitor, each oldest first). */
  restore(transitions: TransitionRecord[]): void {
    this.#transitions.clear();
    this.#byMonitor.clear();
    for (const t of transitions) this.add(t);
  }
}

/**
 * Commits a transition: keeps it, and creates a delivery for each of the handlers `notify` names and
 * for each `departed` handler (removed from the monitor since it heard of the incident); a grouping
 * handler's delivery joins its group.
 */
export function commitTransition(
  state: StateSlices,
  transition: TransitionRecord,
  definition: MonitorDefinition,
  notify: number[],
  departed: IncidentRecord["departed"] = [],
): DeliveryRecord[] {
  state.transitions.add(transition);
  const deliveries = state.deliveries.open(transition, definition, notify, departed);
  state.groups.assign(transition, deliveries);
  return deliveries;
}
