import type { Logger } from "pino";
import { type Clock, every, monotonicNow } from "../clock.js";
import type { StateMachine } from "../state/stateMachine.js";
import type { LeaseRenewer } from "./engine.js";
import type { ClusterTiming } from "./timing.js";

/** The owner and token a node puts on the commands it commits about a module it runs. */
export interface Fence {
  owner: string;
  token: number;
}

/** What a node may run, and the fencing token to put on what it commits. */
export interface Ownership {
  mayRun(module: string): boolean;
  fence(module: string): Fence | undefined;
  /** Calls `listener` whenever which modules this node may run changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** What a {@link NodeLease} works with. */
export interface NodeLeaseDeps {
  nodeId: string;
  machine: StateMachine;
  clock: Clock;
  logger: Logger;
  /** `leaseMs` and `renewEveryMs` are used here. */
  timing: Pick<ClusterTiming, "leaseMs" | "renewEveryMs">;
  /** How the engine renews this node's lease (with the Raft leader, or with etcd). */
  renewer: LeaseRenewer;
  /** Called after every successful renewal (the node then makes sure its addresses are announced). */
  onRenewed: () => void;
  /** Fault injection for tests: when true, this node drops all cluster traffic. */
  isolated?: (() => boolean) | undefined;
}

/**
 * This node's side of ownership: its lease, renewed with the coordinator every `renewEveryMs`, and which
 * modules it may run under it (those granted to it, once a handoff's wait is over). The argument why a
 * lease keeps two nodes from running a module at once is on `Cluster` (Raft) and `EtcdCluster` (etcd). Times are monotonic, on the
 * injected clock: a wall-clock step (NTP, a manual change) must neither extend nor cut a lease.
 */
export class NodeLease implements Ownership {
  readonly #deps: NodeLeaseDeps;
  #leaseUntil = 0;
  #leaseTimer: unknown;
  #stopRenewing: (() => void) | undefined;
  #stopped = false;
  /** The renewal under way, aborted when a new leader becomes known. */
  #renewal: AbortController | undefined;
  readonly #listeners = new Set<() => void>();
  /** Local time at which a handed-off module may start here. */
  readonly #handoffReadyAt = new Map<string, number>();
  readonly #handoffTimers = new Set<unknown>();

  constructor(deps: NodeLeaseDeps) {
    this.#deps = deps;
    const { machine, nodeId, clock, timing } = deps;
    deps.renewer.onCoordinatorChange(() => {
      // A renewal sent to the old leader may hang (a stopped process): renew with the new one at once.
      if (!this.#stopped) void this.#renew(true);
    });
    machine.onApply((command, result) => {
      if (!result.ok) return;
      if (command.type === "ownership.grant") {
        if (command.node === nodeId && command.handoff) {
          this.#handoffReadyAt.set(command.module, monotonicNow(clock) + timing.leaseMs);
          const timer = clock.setTimeout(() => {
            this.#handoffTimers.delete(timer);
            this.#changed();
          }, timing.leaseMs + 10);
          this.#handoffTimers.add(timer);
        }
        this.#changed();
      } else if (command.type === "ownership.release") {
        this.#changed();
      }
    });
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Renews now, then every `renewEveryMs`. */
  start(): void {
    this.#stopRenewing = every(this.#deps.clock, this.#deps.timing.renewEveryMs, () => void this.#renew());
    void this.#renew();
  }

  /** Whether this node holds a valid lease now. */
  hasLease(): boolean {
    return !this.#stopped && monotonicNow(this.#deps.clock) < this.#leaseUntil;
  }

  mayRun(module: string): boolean {
    if (!this.hasLease()) return false;
    const grant = this.#deps.machine.grant(module);
    if (grant?.node !== this.#deps.nodeId) return false;
    const ready = this.#handoffReadyAt.get(module);
    return ready === undefined || monotonicNow(this.#deps.clock) >= ready;
  }

  fence(module: string): Fence | undefined {
    const grant = this.#deps.machine.grant(module);
    return grant ? { owner: grant.node, token: grant.token } : undefined;
  }

  /**
   * Renews the lease through the engine: the lease then lasts until `sentAt + leaseMs` (see
   * {@link LeaseRenewer}). A failure lets it run out.
   */
  async #renew(force = false): Promise<void> {
    if (this.#stopped || (this.#renewal !== undefined && !force)) return;
    this.#renewal?.abort();
    const renewal = new AbortController();
    this.#renewal = renewal;
    const { nodeId, clock, timing } = this.#deps;
    const sentAt = monotonicNow(clock);
    try {
      if (this.#deps.isolated?.()) throw new Error("isolated");
      await this.#deps.renewer.renew(sentAt, renewal.signal);
      if (this.#stopped || renewal.signal.aborted) return;
      const had = this.hasLease();
      const until = sentAt + timing.leaseMs;
      if (until > this.#leaseUntil) this.#leaseUntil = until;
      clock.clearTimeout(this.#leaseTimer);
      this.#leaseTimer = clock.setTimeout(
        () => this.#leaseExpired(),
        this.#leaseUntil - monotonicNow(clock) + 1,
      );
      if (!had && this.hasLease()) {
        this.#deps.logger.info({ node: nodeId }, "lease acquired");
        this.#changed();
      }
      this.#deps.onRenewed();
    } catch {
      // The lease simply runs out: a node that cannot renew must not run anything after it.
    } finally {
      if (this.#renewal === renewal) this.#renewal = undefined;
    }
  }

  #leaseExpired(): void {
    if (this.hasLease()) return;
    this.#deps.logger.warn({ node: this.#deps.nodeId }, "lease lost: stopped running modules");
    this.#changed();
  }

  /** Gives the lease up: this node runs nothing from now on. */
  stop(): void {
    this.#stopped = true;
    this.#stopRenewing?.();
    const { clock } = this.#deps;
    clock.clearTimeout(this.#leaseTimer);
    for (const timer of this.#handoffTimers) clock.clearTimeout(timer);
    this.#handoffTimers.clear();
    this.#renewal?.abort();
    this.#changed();
  }
}
