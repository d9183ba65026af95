import { createHmac } from "node:crypto";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { AmstaffError } from "@amstaff/core";
import { Agent, fetch, type Response } from "undici";

/** The certificates of node-to-node traffic (PEM): the cluster CA, and this node's certificate and key. */
export interface ClusterTlsFiles {
  /** The cluster's own CA: the only authority node certificates are checked against. */
  ca: string | Buffer;
  /** This node's certificate, issued by `ca`, common name = the node id. */
  cert: string | Buffer;
  /** The key of `cert`. */
  key: string | Buffer;
}

/**
 * The bearer token nodes present to each other's internal endpoints, derived from the secret they share
 * (on Raft the cluster secret; on etcd that or the one kept in etcd, see `etcd/etcdSecret.ts`), so the
 * secret itself never travels, not even to another node.
 */
export function internalTokenOf(clusterSecret: string): string {
  return createHmac("sha256", clusterSecret).update("amstaff-internal-v1").digest("hex");
}

/** Options of {@link ClusterHttp}. */
export interface ClusterHttpOptions {
  /** The bearer token every node presents to the others' internal endpoints (derived from the cluster secret). */
  internalToken: string;
  /**
   * Mutual TLS: requests go only to `https://` URLs, verify the other node against the cluster CA, and
   * present this node's certificate. @default none: plain HTTP (only with `--insecure-cluster-transport`)
   */
  tls?: ClusterTlsFiles | undefined;
}

/** One request to another node's internal endpoint. */
export interface ClusterRequest {
  method?: "GET" | "POST" | "DELETE";
  /** Sent as JSON. */
  body?: unknown;
  /** Aborts the request after this long. */
  timeoutMs: number;
  /** Aborts the request earlier (a lease renewal superseded by one to a new leader). */
  signal?: AbortSignal | undefined;
  /**
   * The node expected to answer (the leader, for most calls): with TLS, the connection is refused unless
   * its certificate names this node, so no other node of the cluster can answer in its place. @default any
   * node of the cluster CA
   */
  node?: string | undefined;
}

/** The `code` of the error (the `cause` of a failed fetch) when the other end is another node than asked. */
export const nodeMismatchCode = "ERR_AMSTAFF_NODE_MISMATCH";

/**
 * How a node calls another node's internal endpoints (`/_cluster/*`): with the cluster's internal token
 * and, when the cluster has certificates, over HTTPS with mutual TLS through a dedicated undici
 * dispatcher that trusts the cluster CA only (never the system store) — so a node never sends the
 * internal token to, or accepts an answer from, anything but another node of the cluster.
 */
export class ClusterHttp {
  readonly #token: string;
  readonly #dispatcher: Agent;
  readonly #tlsFiles: ClusterTlsFiles | undefined;
  readonly #tls: boolean;
  /** One dispatcher per node asked for by name, checking that node's certificate. */
  readonly #byNode = new Map<string, Agent>();

  constructor(options: ClusterHttpOptions) {
    this.#token = options.internalToken;
    this.#tlsFiles = options.tls;
    this.#tls = options.tls !== undefined;
    this.#dispatcher = new Agent({ connect: this.#connectOptions(undefined) });
  }

  #connectOptions(node: string | undefined) {
    const tls = this.#tlsFiles;
    if (!tls) return {};
    return {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      minVersion: "TLSv1.3" as const,
      rejectUnauthorized: true,
      ...(node !== undefined && {
        checkServerIdentity: (host: string, cert: PeerCertificate) => {
          const error = checkServerIdentity(host, cert);
          if (error || cert.subject?.CN === node) return error;
          return Object.assign(
            new Error(`${host} presented the certificate of "${cert.subject?.CN}", not of node "${node}"`),
            { code: nodeMismatchCode },
          );
        },
      }),
    };
  }

  #dispatcherFor(node: string | undefined): Agent {
    if (!this.#tls || node === undefined) return this.#dispatcher;
    let agent = this.#byNode.get(node);
    if (!agent) {
      agent = new Agent({ connect: this.#connectOptions(node) });
      this.#byNode.set(node, agent);
    }
    return agent;
  }

  /** Sends `request` to `baseUrl + path` (another node's internal URL). */
  async request(baseUrl: string, path: string, request: ClusterRequest): Promise<Response> {
    if (this.#tls && !baseUrl.startsWith("https://")) {
      // Never downgrade: a node announcing a plain URL must not receive the internal token in clear.
      throw new AmstaffError(
        "AMS_ERR_CLUSTER_TLS",
        `Refused to call ${baseUrl} over plain HTTP: this cluster's node traffic is TLS-only. Restart that node with --cluster-ca, --cluster-cert and --cluster-key.`,
      );
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    return fetch(`${baseUrl}${path}`, {
      method: request.method ?? (request.body === undefined ? "GET" : "POST"),
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      // A guard of the socket, not a decision: callers hold their deadlines on the injected clock
      // (`rpcClient.ts`); this one frees the connection even when that clock is a test's.
      signal: request.signal
        ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)])
        : AbortSignal.timeout(request.timeoutMs),
      dispatcher: this.#dispatcherFor(request.node),
    });
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    await Promise.all([this.#dispatcher, ...this.#byNode.values()].map((agent) => agent.close()));
  }
}
