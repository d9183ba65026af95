import type { Lease, Namespace } from "etcd3";
import type { Logger } from "pino";
import { type Clock, monotonicNow } from "../../clock.js";
import type { ConsistentLog, LeaseRenewer } from "../engine.js";
import { withTimeout } from "../logErrors.js";
import { etcdKeys } from "./etcdClient.js";

/** What an {@link EtcdRegistration} works with. */
export interface EtcdRegistrationDeps {
  space: Namespace;
  nodeId: string;
  log: ConsistentLog;
  clock: Clock;
  logger: Logger;
  /** The etcd lease's TTL, in whole seconds. */
  ttlSeconds: number;
  /** How long a renewal lets this node run, in ms: shorter than the TTL by the drift margin. */
  leaseMs: number;
  /** The value stored under the registration key (this node's addresses). */
  value: () => string;
}

/**
 * This node's registration in etcd: `<prefix>/members/<id>` under an etcd lease of its own, kept alive
 * by this node's lease renewals (one `LeaseKeepAlive` each, no background keep-alive, so that the time a
 * renewal was sent is known). etcd deletes the key once the lease expires; the coordinator then moves the
 * node's modules.
 *
 * Why a renewal lets the node run for `leaseMs` from when it was sent: the etcd leader extends the lease
 * to (when it handled the keep-alive) + TTL, which is after `sentAt` + TTL, and a new etcd leader extends
 * every lease by a full TTL when it takes over, so etcd never expires it earlier (etcd's own lease
 * guarantee). `leaseMs` is shorter than the TTL by a margin for clock-rate drift between this node and
 * the etcd leader. A renewal also passes a read barrier on the log, so an ownership change committed
 * before it is applied here before the renewal counts (the old owner of a handed-off module stops).
 */
export class EtcdRegistration implements LeaseRenewer {
  readonly #deps: EtcdRegistrationDeps;
  #lease: Lease | undefined;

  constructor(deps: EtcdRegistrationDeps) {
    this.#deps = deps;
  }

  async renew(sentAt: number): Promise<void> {
    const { clock, leaseMs, log } = this.#deps;
    const left = () => Math.max(0, sentAt + leaseMs - monotonicNow(clock));
    const lease = await withTimeout(this.#registered(), left(), clock);
    // An expired lease fails the keep-alive and is "lost": the next renewal registers anew.
    await withTimeout(Promise.all([lease.keepaliveOnce(), log.readBarrier(left())]), left(), clock);
  }

  /** etcd itself is the coordinator: there is no leader to follow. */
  onCoordinatorChange(): void {}

  /** The current lease, with the registration key put under it; grants one when there is none. */
  async #registered(): Promise<Lease> {
    if (this.#lease !== undefined) return this.#lease;
    const { space, nodeId, ttlSeconds, logger } = this.#deps;
    const lease = space.lease(ttlSeconds, { autoKeepAlive: false });
    lease.on("lost", () => this.#drop(lease));
    try {
      await lease.put(etcdKeys.member(nodeId)).value(this.#deps.value()).exec();
    } catch (error) {
      this.#drop(lease);
      throw error;
    }
    this.#lease = lease;
    logger.info({ node: nodeId, ttlSeconds }, "registered in etcd");
    return lease;
  }

  #drop(lease: Lease): void {
    if (this.#lease === lease) this.#lease = undefined;
    lease.release();
  }

  /** Revokes the lease: etcd deletes the registration at once and the node's modules move. */
  async close(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    await lease?.revoke().catch(() => undefined);
  }
}
