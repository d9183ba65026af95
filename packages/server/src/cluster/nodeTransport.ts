import { randomBytes } from "node:crypto";
import { AmstaffError } from "@amstaff/core";
import { type PeerAddress, type RaftTransport, TcpTransport } from "@amstaff/raft";
import type { Logger } from "pino";
import type { StateMachine } from "../state/stateMachine.js";
import { ClusterHttp, internalTokenOf } from "./clusterHttp.js";
import type { ClusterOptions } from "./clusterOptions.js";
import { faultyTransport } from "./faultyTransport.js";

/** `host:port` (or `[v6]:port`) to a peer address. @throws AmstaffError `AMS_ERR_REQUEST_INVALID` */
export function parseAddress(address: string): PeerAddress {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  if (!match) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", `"${address}" is not host:port.`);
  return { host: match[1]!, port: Number(match[2]) };
}

/** Options of {@link createNodeTransport}. */
export interface NodeTransportOptions extends ClusterOptions {
  nodeId: string;
  /** The address Raft listens on and that other nodes dial. */
  raftHost: string;
  logger: Logger;
  /** Fault injection for tests: when true, every Raft message in and out is dropped. */
  isolated: () => boolean;
}

/** How a node talks to the others: Raft messages, and calls to their internal endpoints. */
export interface NodeTransport {
  /** The TCP transport, when the node listens for Raft traffic (`raftPort`); none in a cluster of one. */
  tcp: TcpTransport | undefined;
  /** What Raft sends and receives through (with the fault-injection switch). */
  transport: RaftTransport;
  /** The token nodes present to each other's internal endpoints, derived from the cluster secret. */
  internalToken: string;
  /** How this node calls the others' internal endpoints. */
  clusterHttp: ClusterHttp;
}

/** Builds the node-to-node transports of a node (see {@link NodeTransport}). */
export function createNodeTransport(options: NodeTransportOptions): NodeTransport {
  const { logger } = options;
  const tcp =
    options.raftPort === undefined
      ? undefined
      : new TcpTransport({
          id: options.nodeId,
          secret: options.clusterSecret!,
          listen: { host: options.raftHost, port: options.raftPort },
          peers: Object.fromEntries(
            Object.entries(options.peers ?? {}).map(([id, address]) => [id, parseAddress(address)]),
          ),
          logger: {
            // Refused certificates and nodes two releases apart are misconfigurations to fix; reconnects
            // and resets are routine.
            warn: (message, details) =>
              (/TLS|upgrade one release at a time/.test(message) ? logger.warn : logger.debug).call(
                logger,
                { ...details },
                `raft transport: ${message}`,
              ),
          },
          ...(options.clusterTls ? { tls: options.clusterTls } : {}),
        });
  const internalToken = options.clusterSecret
    ? internalTokenOf(options.clusterSecret)
    : randomBytes(32).toString("hex");
  return {
    tcp,
    transport: faultyTransport(tcp, options.isolated),
    internalToken,
    clusterHttp: new ClusterHttp({ internalToken, tls: options.clusterTls }),
  };
}

/** Keeps `tcp` dialling other nodes where the log says they listen (nodes added or re-announced). */
export function followPeerAddresses(
  machine: StateMachine,
  tcp: TcpTransport | undefined,
  nodeId: string,
): void {
  machine.onApply((command, result) => {
    if (!tcp || !result.ok) return;
    if ((command.type === "node.add" || command.type === "node.announce") && command.node !== nodeId) {
      if (command.raftAddress) tcp.setPeer(command.node, parseAddress(command.raftAddress));
    }
  });
}
