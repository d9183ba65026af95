import { AmstaffError } from "@amstaff/core";
import type { Logger } from "pino";
import type { ClusterTlsFiles } from "./clusterHttp.js";

/** The options of `startServer` that make a node part of a cluster (see `ServerOptions`). */
export interface ClusterOptions {
  /** The other founding nodes' Raft addresses, `{ b: "10.0.0.2:7170" }`. */
  peers?: Readonly<Record<string, string>> | undefined;
  /** The port Raft listens on; needed for a cluster. */
  raftPort?: number | undefined;
  /**
   * The secret every node of the cluster shares (16 characters or more); needed with `raftPort`. On etcd,
   * optional: without it the nodes share one kept in etcd.
   */
  clusterSecret?: string | undefined;
  /** Mutual TLS for node traffic. */
  clusterTls?: ClusterTlsFiles | undefined;
  /** Let a cluster run with node traffic in clear. */
  insecureClusterTransport?: boolean | undefined;
  /** Run on etcd: then there is no Raft network to configure. */
  etcd?: object | undefined;
}

/**
 * Refuses a cluster that could not work or would not be safe: Raft settings with etcd, peers without a Raft port, a Raft port
 * without a shared secret of 16 characters (or a shorter one given on etcd), node traffic in clear unless asked for
 * (then it warns).
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID`, or `AMS_ERR_CLUSTER_TLS` for missing certificates.
 */
export function checkClusterOptions(options: ClusterOptions, logger: Logger): void {
  const peers = options.peers ?? {};
  if (options.etcd !== undefined && (Object.keys(peers).length > 0 || options.raftPort !== undefined)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "A node on etcd (--etcd) needs no Raft network: drop --raft-port and --peers.",
    );
  }
  if (
    options.etcd !== undefined &&
    options.clusterSecret !== undefined &&
    options.clusterSecret.length < 16
  ) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "The cluster secret (AMSTAFF_CLUSTER_SECRET) must have 16 characters or more; on etcd it may also be left out (the nodes then share one kept in etcd).",
    );
  }
  if (Object.keys(peers).length > 0 && options.raftPort === undefined) {
    throw new AmstaffError("AMS_ERR_REQUEST_INVALID", "A cluster needs a Raft port (--raft-port).");
  }
  if (options.raftPort !== undefined && (options.clusterSecret ?? "").length < 16) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "A cluster needs a shared secret of 16 characters or more (AMSTAFF_CLUSTER_SECRET).",
    );
  }
  if (options.raftPort !== undefined && !options.clusterTls && !options.insecureClusterTransport) {
    throw new AmstaffError(
      "AMS_ERR_CLUSTER_TLS",
      [
        "A cluster node encrypts its traffic to the other nodes: give it the cluster's certificates with",
        "--cluster-ca, --cluster-cert and --cluster-key. Make them once for the whole cluster with",
        "  amstaff-server certs --out ./certs --nodes a=10.0.0.1,b=10.0.0.2,c=10.0.0.3",
        "then copy ca.pem and each node's <id>.pem and <id>-key.pem to that node. To run without encryption",
        "on a network nobody else can reach, pass --insecure-cluster-transport.",
      ].join("\n"),
    );
  }
  if (options.insecureClusterTransport && options.raftPort !== undefined && !options.clusterTls) {
    logger.warn(
      "node traffic is NOT encrypted (--insecure-cluster-transport): anyone on the network between nodes can read it",
    );
  }
}
