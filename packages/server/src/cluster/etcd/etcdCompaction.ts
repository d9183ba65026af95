import type { Lease, Namespace } from "etcd3";
import { etcdKeys, snapshotRevision } from "./etcdSnapshots.js";

/**
 * This node's applied revision in etcd (`nodes/<id>/applied`), under a lease: while the node lives,
 * compaction stays at or below it (see {@link compactionBound}); once the node is gone for the lease's
 * TTL, the key vanishes and no longer holds compaction back (the node, if it returns, catches up from
 * the snapshot).
 */
export class AppliedMarker {
  readonly #space: Namespace;
  readonly #nodeId: string;
  readonly #ttlSeconds: number;
  #lease: Lease | undefined;
  #recorded = -1;

  constructor(space: Namespace, nodeId: string, ttlSeconds: number) {
    this.#space = space;
    this.#nodeId = nodeId;
    this.#ttlSeconds = ttlSeconds;
  }

  /** Records `revision` (a no-op when it is already recorded under a live lease). */
  async record(revision: number): Promise<void> {
    if (this.#lease === undefined) {
      const lease = this.#space.lease(this.#ttlSeconds);
      // A lost lease took the key with it: the next call records under a new one.
      lease.on("lost", () => {
        if (this.#lease === lease) {
          this.#lease = undefined;
          this.#recorded = -1;
        }
      });
      this.#lease = lease;
    }
    if (revision === this.#recorded) return;
    await this.#lease.put(etcdKeys.applied(this.#nodeId)).value(String(revision)).exec();
    this.#recorded = revision;
  }

  /** Revokes the lease: the node no longer holds compaction back. */
  async close(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    await lease?.revoke();
  }
}

/**
 * The revision the log may be compacted at: the smallest applied revision of the live nodes and the
 * revision the stored snapshot covers, whichever is lower (0 when there is no snapshot yet). Every live
 * node can go on watching from there, and a new node starts from the snapshot.
 */
export async function compactionBound(space: Namespace): Promise<number> {
  const [{ covers }, applied] = await Promise.all([
    snapshotRevision(space),
    space.getAll().prefix(etcdKeys.nodes).strings(),
  ]);
  const revisions = Object.entries(applied)
    .filter(([key]) => key.endsWith("/applied"))
    .map(([, value]) => Number(value));
  return Math.min(covers, ...revisions);
}

/**
 * Compacts etcd's history below `revision`. etcd compacts its whole key space: when several Amstaff
 * clusters share one etcd, one may compact past another's slowest node, which then catches up from its
 * cluster's snapshot (correct, only slower). Compacting at or below an earlier compaction is a no-op.
 */
export async function compactBelow(space: Namespace, revision: number): Promise<void> {
  try {
    await space.kv.compact({ revision: String(revision), physical: false });
  } catch (error) {
    if (!/required revision has been compacted/.test(String(error))) throw error;
  }
}
