import type { Logger } from "pino";
import { type Clock, every, monotonicNow, sleep } from "../clock.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";
import { Balancer } from "./balancer.js";
import type { Coordination, LeaseRenewer } from "./engine.js";
import { type Fence, NodeLease, type Ownership } from "./ownership.js";
import type { ClusterTiming } from "./timing.js";

/** What {@link LeasedOwnership} works with: the engine-independent parts, and the engine's two. */
export interface LeasedOwnershipDeps {
  nodeId: string;
  log: ReplicatedLog;
  machine: StateMachine;
  clock: Clock;
  logger: Logger;
  timing: Pick<ClusterTiming, "leaseMs" | "renewEveryMs" | "balanceEveryMs">;
  renewer: LeaseRenewer;
  coordination: Coordination;
  /** This node's addresses in the log: announced after each renewal, awaited by `ready`. */
  announcer: { readonly announced: boolean; announceIfNeeded(): void };
  /** Fault injection for tests: when true, this node renews nothing. */
  isolated?: (() => boolean) | undefined;
}

/**
 * The half of a cluster engine that is the same on every engine: this node's {@link NodeLease} over the
 * engine's renewals, the {@link Balancer} over the engine's coordination, and readiness.
 */
export class LeasedOwnership implements Ownership {
  readonly #deps: LeasedOwnershipDeps;
  readonly #lease: NodeLease;
  readonly #balancer: Balancer;
  #stopBalancing: (() => void) | undefined;

  constructor(deps: LeasedOwnershipDeps) {
    this.#deps = deps;
    const { nodeId, log, machine, clock, logger, timing, announcer } = deps;
    this.#lease = new NodeLease({
      nodeId,
      machine,
      clock,
      logger,
      timing,
      renewer: deps.renewer,
      onRenewed: () => announcer.announceIfNeeded(),
      isolated: deps.isolated,
    });
    this.#balancer = new Balancer({
      log,
      machine,
      clock,
      logger,
      coordination: deps.coordination,
      hasLease: () => this.#lease.hasLease(),
    });
  }

  onChange(listener: () => void): () => void {
    return this.#lease.onChange(listener);
  }

  /** Starts renewing the lease and, while coordinator, balancing. */
  start(): void {
    this.#lease.start();
    this.#stopBalancing = every(
      this.#deps.clock,
      this.#deps.timing.balanceEveryMs,
      () => void this.#balancer.balance(),
    );
  }

  /** Whether this node holds a valid lease now. */
  hasLease(): boolean {
    return this.#lease.hasLease();
  }

  mayRun(module: string): boolean {
    return this.#lease.mayRun(module);
  }

  fence(module: string): Fence | undefined {
    return this.#lease.fence(module);
  }

  /** Resolves once this node has a lease, the cluster an id and the log its addresses, or after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    const { clock, machine, announcer } = this.#deps;
    const deadline = monotonicNow(clock) + timeoutMs;
    while (monotonicNow(clock) < deadline) {
      if (this.hasLease() && machine.clusterId !== undefined && announcer.announced) return true;
      await sleep(clock, 20);
    }
    return false;
  }

  /** Stops renewing and balancing; this node runs nothing from now on. */
  stop(): void {
    this.#stopBalancing?.();
    this.#lease.stop();
  }
}
