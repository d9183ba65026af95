import type { Logger } from "pino";
import type { Clock } from "../../clock.js";
import type { StateMachine } from "../../state/stateMachine.js";
import type { ConsensusEngine } from "../engine.js";
import type { ClusterTiming } from "../timing.js";
import type { EtcdConnectionOptions } from "./etcdClient.js";
import { EtcdCluster } from "./etcdCluster.js";
import { EtcdLog } from "./etcdLog.js";

/** `ServerOptions.etcd`: run on etcd instead of Raft. */
export interface EtcdEngineOptions extends EtcdConnectionOptions {
  /**
   * The TTL of each node's etcd lease, in whole seconds: a dead node's modules move about this long
   * after its last renewal.
   * @default 3
   */
  leaseTtlSeconds?: number | undefined;
}

/** What {@link openEtcdEngine} works with. */
export interface EtcdEngineDeps {
  etcd: EtcdEngineOptions;
  nodeId: string;
  machine: StateMachine;
  clock: Clock;
  logger: Logger;
  timing?: Partial<ClusterTiming> | undefined;
  /** Fault injection for tests: when true, this node renews nothing. */
  isolated: () => boolean;
}

/**
 * The etcd engine (issue 17): the log in etcd ({@link EtcdLog}) and ownership under etcd leases
 * ({@link EtcdCluster}). Nodes never call each other: no Raft port, no internal listener.
 */
export async function openEtcdEngine(deps: EtcdEngineDeps): Promise<ConsensusEngine> {
  const { etcd, nodeId, machine, clock, logger, timing, isolated } = deps;
  const log = await EtcdLog.open({ ...etcd, nodeId, machine, logger, clock });
  return {
    name: "etcd",
    log,
    appliedIndex: () => log.appliedRevision,
    cluster: ({ apiUrl }) =>
      new EtcdCluster({
        nodeId,
        log,
        machine,
        clock,
        logger,
        apiUrl,
        timing,
        leaseTtlSeconds: etcd.leaseTtlSeconds,
        isolated,
      }),
    close: () => log.close(),
  };
}
