import { describeError } from "@amstaff/core";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { Command } from "../state/commands.js";
import type { ReplicatedLog } from "../state/replicatedLog.js";
import type { StateMachine } from "../state/stateMachine.js";
import type { Coordination } from "./engine.js";

/** What a {@link Balancer} works with. */
export interface BalancerDeps {
  log: ReplicatedLog;
  machine: StateMachine;
  clock: Clock;
  logger: Logger;
  /** Whose turn it is to balance, and which nodes are alive, as the engine knows them. */
  coordination: Coordination;
  /** Whether this node may act as leader now (it holds a lease). */
  hasLease: () => boolean;
}

/**
 * The coordinator's duty (design decision 3; the Raft leader, or etcd's oldest member): every module has a live owner, and the load is even (within
 * one). Grants and releases go through the log; a grant away from a live owner is a `handoff`.
 */
export class Balancer {
  readonly #deps: BalancerDeps;
  #balancing = false;

  constructor(deps: BalancerDeps) {
    this.#deps = deps;
  }

  /** One round; does nothing off the coordinator, without a lease, or while the previous round runs. */
  async balance(): Promise<void> {
    const { log, machine, clock, logger, coordination } = this.#deps;
    if (this.#balancing || !this.#deps.hasLease()) return;
    this.#balancing = true;
    try {
      if (!(await coordination.isCoordinator())) return;
      if (machine.clusterId === undefined) {
        await log.propose({ type: "cluster.init", clusterId: crypto.randomUUID(), at: clock.now() });
      }
      const nodes = coordination.nodes();
      const now = coordination.now();
      const candidates = [...nodes].filter((n) => coordination.isLive(n, now)).sort();
      if (candidates.length === 0) return;
      const load = new Map(candidates.map((n) => [n, [] as string[]]));
      const ownable = new Set(machine.ownable());
      const grants: Command[] = [];
      for (const grant of machine.grants()) {
        if (!ownable.has(grant.module))
          grants.push({ type: "ownership.release", module: grant.module, at: clock.now() });
      }
      const orphans: { module: string; handoff: boolean }[] = [];
      for (const module of ownable) {
        const grant = machine.grant(module);
        const owner = grant?.node;
        if (owner !== undefined && load.has(owner)) load.get(owner)!.push(module);
        else orphans.push({ module, handoff: owner !== undefined && coordination.isLive(owner, now) });
      }
      const leastLoaded = (among: string[]) =>
        among.reduce((best, n) => (load.get(n)!.length < load.get(best)!.length ? n : best));
      for (const { module, handoff } of orphans) {
        const node = leastLoaded(candidates);
        load.get(node)!.push(module);
        grants.push({ type: "ownership.grant", module, node, handoff, at: clock.now() });
      }
      // Rebalance one module per round, only towards nodes that have been up for `stableMs` and only
      // when the spread is two or more: a flapping node does not attract modules, and an uneven count
      // that cannot be evened out (5 modules, 2 nodes) does not move modules back and forth.
      const stable = candidates.filter((n) => coordination.isStable(n, now));
      if (stable.length > 0 && orphans.length === 0) {
        const busiest = candidates.reduce((a, b) => (load.get(b)!.length > load.get(a)!.length ? b : a));
        const idlest = leastLoaded(stable);
        if (load.get(busiest)!.length - load.get(idlest)!.length >= 2) {
          const module = load.get(busiest)!.sort().at(-1)!;
          grants.push({ type: "ownership.grant", module, node: idlest, handoff: true, at: clock.now() });
        }
      }
      for (const command of grants) {
        const result = await log.propose(command);
        if (command.type === "ownership.grant" && result.ok) {
          logger.info(
            { module: command.module, node: command.node, handoff: command.handoff },
            "module assigned",
          );
        }
      }
    } catch (error) {
      logger.warn({ err: describeError(error) }, "could not balance modules; will retry");
    } finally {
      this.#balancing = false;
    }
  }
}
