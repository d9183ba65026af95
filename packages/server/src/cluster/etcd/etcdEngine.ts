import type { Logger } from "pino";
import type { Clock } from "../../clock.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { ClusterHttp, type ClusterTlsFiles, internalTokenOf } from "../clusterHttp.js";
import type { ConsensusEngine } from "../engine.js";
import type { ClusterTiming } from "../timing.js";
import type { EtcdConnectionOptions } from "./etcdClient.js";
import { EtcdCluster } from "./etcdCluster.js";
import { EtcdLog } from "./etcdLog.js";
import { etcdClusterSecret } from "./etcdSecret.js";

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
  /**
   * The secret the nodes' internal token derives from, the same on every node. @default a random one
   * made once and kept in etcd under the prefix (see `etcdSecret.ts`)
   */
  clusterSecret?: string | undefined;
  /** Mutual TLS for the calls between nodes: then they go to an internal listener of their own. */
  clusterTls?: ClusterTlsFiles | undefined;
  /** Where that internal listener listens (with `clusterTls` only). */
  internalHost: string;
  /** Fault injection for tests: when true, this node renews nothing. */
  isolated: () => boolean;
}

/**
 * The etcd engine (issue 17): the log in etcd ({@link EtcdLog}) and ownership under etcd leases
 * ({@link EtcdCluster}). No Raft port; nodes call each other only for the overview's bars and the status
 * pages' days: on their API listener, or with `clusterTls` on an internal listener over mutual TLS.
 */
export async function openEtcdEngine(deps: EtcdEngineDeps): Promise<ConsensusEngine> {
  const { etcd, nodeId, machine, clock, logger, timing, isolated, clusterTls } = deps;
  const log = await EtcdLog.open({ ...etcd, nodeId, machine, logger, clock });
  let secret: string;
  try {
    secret = deps.clusterSecret ?? (await etcdClusterSecret(log.space, clock));
  } catch (error) {
    await log.close();
    throw error;
  }
  const internalToken = internalTokenOf(secret);
  const http = new ClusterHttp({ internalToken, tls: clusterTls });
  return {
    name: "etcd",
    log,
    appliedIndex: () => log.appliedRevision,
    internalHost: clusterTls ? deps.internalHost : undefined,
    cluster: ({ apiUrl, internalUrl, uptimeDays, glance }) =>
      new EtcdCluster({
        nodeId,
        log,
        machine,
        clock,
        logger,
        apiUrl,
        internalUrl,
        internalToken,
        http,
        uptimeDays,
        glance,
        timing,
        leaseTtlSeconds: etcd.leaseTtlSeconds,
        isolated,
      }),
    close: async () => {
      await log.close();
      await http.close();
    },
  };
}
