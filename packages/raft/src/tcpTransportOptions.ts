import type { RaftClock } from "./clock.js";
import type { RaftLogger } from "./raftNodeOptions.js";
import type { NodeId } from "./types.js";
import type { WireProtocol } from "./wireProtocols.js";

/** Where a peer listens. */
export interface PeerAddress {
  host: string;
  port: number;
}

/**
 * Mutual TLS between nodes: every node presents a certificate issued by the cluster's own CA, whose
 * common name is its node id, and accepts only peers whose certificate chains to that CA.
 */
export interface TcpTransportTls {
  /** The cluster CA (PEM): the only authority peer certificates are checked against (never the system store). */
  ca: string | Uint8Array;
  /** This node's certificate (PEM), issued by `ca`, common name = this node's id. */
  cert: string | Uint8Array;
  /** The private key of `cert` (PEM). */
  key: string | Uint8Array;
  /**
   * Also require a peer's certificate to name the node it claims to be (common name = node id), so a
   * node cannot speak for another. @default true
   */
  verifyNodeId?: boolean;
}

/** Options of {@link TcpTransport}. */
export interface TcpTransportOptions {
  /** This node's id (authenticated in the handshake). */
  id: NodeId;
  /** Address to listen on. @default { host: "127.0.0.1", port: 0 } */
  listen?: Partial<PeerAddress>;
  /** Where every other node listens; update later with `setPeer`. */
  peers?: Record<NodeId, PeerAddress>;
  /** The shared cluster secret: peers prove knowledge of it with an HMAC-SHA256 challenge-response. */
  secret: string | Uint8Array;
  /** Largest accepted frame; a bigger one closes the connection. @default 67108864 (64 MiB) */
  maxFrameBytes?: number;
  /** First reconnect delay after a failure (doubles up to `maxBackoffMs`). @default 50 */
  initialBackoffMs?: number;
  /** @default 2000 */
  maxBackoffMs?: number;
  /** Messages buffered per peer while (re)connecting; beyond that they are dropped (Raft resends). @default 4096 */
  maxQueuedMessages?: number;
  /** Bytes buffered in a peer socket beyond which messages are dropped. @default 67108864 */
  maxBufferedBytes?: number;
  /** Handshake deadline. @default 5000 */
  handshakeTimeoutMs?: number;
  /**
   * Encrypt and mutually authenticate every connection with TLS 1.3 (the HMAC handshake still runs
   * inside it). @default none: plain TCP, authenticated but not encrypted
   */
  tls?: TcpTransportTls;
  /**
   * The wire protocols this node speaks; each connection uses the highest both ends list. Drop
   * `"amstaff-raft/1"` once no node older than `amstaff-raft/2` is left: such nodes are then refused.
   * @default ["amstaff-raft/2", "amstaff-raft/1"]
   */
  protocols?: WireProtocol[];
  /** Receives warnings (rejected peers, malformed frames); never secrets. */
  logger?: RaftLogger;
  /**
   * Decides when a peer that failed may be dialled again (the reconnect backoff); inject one to test
   * reconnects without sleeping. @default the system clock
   */
  clock?: RaftClock;
}
