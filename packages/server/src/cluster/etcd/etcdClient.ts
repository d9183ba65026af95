import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  noop,
} from "cockatiel";
import { Etcd3, GRPCUnavailableError, type Namespace } from "etcd3";

/** How to reach etcd: its members and, when it requires them, TLS material and a user. */
export interface EtcdConnectionOptions {
  /** Client URLs of the etcd members, e.g. `https://10.0.0.1:2379`. */
  endpoints: string[];
  /**
   * The keys of this Amstaff cluster live under this prefix, so several clusters can share one etcd.
   * @default "/amstaff"
   */
  prefix?: string | undefined;
  /** PEM of the CA that signed the members' certificates (TLS). */
  ca?: Uint8Array | undefined;
  /** PEM client certificate and key, when etcd requires client certificates (both or neither). */
  cert?: Uint8Array | undefined;
  key?: Uint8Array | undefined;
  /** etcd user and password, when etcd has authentication enabled. */
  user?: string | undefined;
  password?: string | undefined;
  /** How long connecting to a member may take before the call fails. @default 3000 */
  dialTimeoutMs?: number | undefined;
}

/** The keys of the log on etcd, under the cluster's prefix. */
export const etcdKeys = {
  /** The one key whose successive values are the log (see `EtcdLog`). */
  log: "log",
  /** The stored snapshot: the revision it covers and its chunk set (see `etcdSnapshots.ts`). */
  snapshotManifest: "snapshot/manifest",
  /** The snapshots' chunk sets, `snapshot/chunks/<covers>/<nonce>/<n>`. */
  snapshotChunks: "snapshot/chunks/",
  /** Log entries too large for one etcd request, staged as chunks under a lease (see `etcdStaging.ts`). */
  staged: (nonce: string) => `staged/${nonce}/`,
  /** Every live node's applied revision, each under a lease of its own. */
  nodes: "nodes/",
  applied: (nodeId: string) => `nodes/${nodeId}/applied`,
  /** Every live node's registration, under the lease that says it is alive (see `EtcdRegistration`). */
  members: "members/",
  member: (nodeId: string) => `members/${nodeId}`,
  /** The secret the nodes' internal token derives from, made once by the first node (see `etcdSecret.ts`). */
  secret: "cluster-secret",
  /** A node's append fence (see `EtcdAppender`). */
  fence: (nodeId: string) => `fences/${nodeId}`,
};

/** An etcd client and this cluster's part of the key space. */
export interface EtcdConnection {
  client: Etcd3;
  /** The keys under the prefix (`log`, `snapshot/…`, `nodes/…`). */
  space: Namespace;
}

/** The prefix every key of this cluster lives under, ending with one slash. */
function normalPrefix(prefix: string): string {
  return `${prefix.replace(/\/+$/, "")}/`;
}

/** Connects to etcd (lazily: the first call dials). */
export function connectEtcd(opts: EtcdConnectionOptions): EtcdConnection {
  if ((opts.cert === undefined) !== (opts.key === undefined)) {
    throw new Error("An etcd client certificate needs its key, and a key its certificate.");
  }
  if ((opts.cert !== undefined || opts.key !== undefined) && opts.ca === undefined) {
    throw new Error("An etcd client certificate needs the CA of the etcd members as well.");
  }
  const client = new Etcd3({
    hosts: opts.endpoints,
    dialTimeout: opts.dialTimeoutMs ?? 3_000,
    ...(opts.ca && {
      credentials: {
        rootCertificate: Buffer.from(opts.ca),
        ...(opts.cert &&
          opts.key && { certChain: Buffer.from(opts.cert), privateKey: Buffer.from(opts.key) }),
      },
    }),
    ...(opts.user !== undefined && { auth: { username: opts.user, password: opts.password ?? "" } }),
    // No blind retries: a put retried after an answer was lost would append the command twice. The log
    // retries itself, and only what certainly never reached etcd (see `neverSent`).
    // The watch reconnects (to another member) within 2 s at most, not the library's 30 s: a node
    // applies nothing, its own writes included, while its watch is down.
    faultHandling: {
      global: noop,
      // A member that refuses connections is skipped for half a second. Only refusals count: errors of
      // a live member (an election under way) must not shut it out too, or with one member down the
      // others would look down as well.
      host: () =>
        circuitBreaker(handleWhen(neverSent), { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(2) }),
      watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 2_000 }).next(),
    },
  });
  return { client, space: client.namespace(normalPrefix(opts.prefix ?? "/amstaff")) };
}

/** Whether etcd refused a read at a revision because its history was compacted past it. */
export function isCompacted(error: unknown): boolean {
  return /required revision has been compacted/.test(String(error));
}

/**
 * Whether a failed call certainly never reached an etcd member: no connection could be made (refused,
 * not up yet, circuit open). Anything else (a dropped connection, a deadline, "leader changed") may
 * have been carried out.
 */
export function neverSent(error: unknown): boolean {
  if (error instanceof BrokenCircuitError) return true;
  return (
    error instanceof GRPCUnavailableError &&
    /No connection established|ECONNREFUSED|failed to connect|Connection refused/i.test(error.message)
  );
}
