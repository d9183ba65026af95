import { describeError } from "@amstaff/core";
import { SnapshotPolicy, type SnapshotPolicyOptions } from "@amstaff/raft";
import type { Lease, Namespace } from "etcd3";
import type { Logger } from "pino";
import { etcdKeys, isCompacted } from "./etcdClient.js";
import { type StoredSnapshot, saveSnapshot, snapshotRevision } from "./etcdSnapshots.js";

/** What one round of {@link EtcdUpkeep} needs to know of its node. */
export interface UpkeepNode {
  /** The revision the node applied. */
  applied(): number;
  /** Runs `work` with applying held: no entry is applied and no snapshot restored until it settles. */
  held<T>(work: () => Promise<T>): Promise<T>;
  /** The state machine's snapshot (in slices: call it only inside {@link UpkeepNode.held}). */
  encode(): Promise<Uint8Array>;
}

/** When a node snapshots: by log size ({@link SnapshotPolicy}), or the deprecated fixed count. */
export interface UpkeepSnapshots {
  policy: SnapshotPolicyOptions;
  /** @deprecated every this many entries instead of `policy` */
  everyEntries?: number | undefined;
}

/**
 * A node's upkeep of the log in etcd, one round at a time: records its applied revision, stores a
 * snapshot once the log applied since the last one weighs enough (the same {@link SnapshotPolicy} as the
 * Raft engine: the log in etcd's history is what a snapshot lets etcd compact), and compacts etcd's
 * history as far as every live node allows. A failed round is logged and retried at the next; a snapshot
 * whose write failed is written at the next round, not encoded again.
 */
export class EtcdUpkeep {
  readonly #space: Namespace;
  readonly #marker: AppliedMarker;
  readonly #policy: SnapshotPolicy;
  readonly #chunkBytes: number;
  readonly #logger: Logger;
  /** A snapshot encoded but not stored yet (etcd could not be written). */
  #unsaved: StoredSnapshot | undefined;
  /** The revision this node last compacted at. */
  #compacted = 0;
  #running = false;
  #closed = false;

  constructor(
    space: Namespace,
    nodeId: string,
    opts: { ttlSeconds: number; snapshots: UpkeepSnapshots; chunkBytes: number; logger: Logger },
  ) {
    this.#space = space;
    this.#marker = new AppliedMarker(space, nodeId, opts.ttlSeconds);
    this.#policy = new SnapshotPolicy(opts.snapshots.policy, 0, opts.snapshots.everyEntries);
    this.#chunkBytes = opts.chunkBytes;
    this.#logger = opts.logger;
  }

  /** Counts an applied entry of `bytes` bytes towards the next snapshot. */
  applied(bytes: number): void {
    this.#policy.applied(bytes);
  }

  /** A snapshot of `bytes` bytes was restored: the log counts from there, and an older one is moot. */
  restored(bytes: number): void {
    this.#policy.taken(bytes);
    this.#unsaved = undefined;
  }

  /** One round (skipped while the previous one runs). */
  async run(node: UpkeepNode): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#marker.record(node.applied());
      if (this.#policy.due()) this.#unsaved = (await this.#take(node)) ?? this.#unsaved;
      const unsaved = this.#unsaved;
      if (unsaved !== undefined) {
        // False when a snapshot covering as much is stored already: either way this one is done.
        await saveSnapshot(this.#space, unsaved.revision, unsaved.data, this.#chunkBytes);
        if (this.#unsaved === unsaved) this.#unsaved = undefined;
      }
      const bound = await compactionBound(this.#space);
      if (bound > this.#compacted) {
        await compactBelow(this.#space, bound);
        this.#compacted = bound;
      }
    } catch (error) {
      // A round cut short by close() (its client closed under it) is no failure.
      if (!this.#closed)
        this.#logger.warn({ err: describeError(error) }, "etcd log: upkeep failed; retrying");
    } finally {
      this.#running = false;
    }
  }

  /** Encodes a snapshot with applying held; undefined when the encode failed (tried again later). */
  async #take(node: UpkeepNode): Promise<StoredSnapshot | undefined> {
    try {
      return await node.held(async () => {
        const revision = node.applied();
        const data = await node.encode();
        // Still held: the log counted so far is exactly the log this snapshot covers.
        this.#policy.taken(data.byteLength);
        return { revision, data };
      });
    } catch (error) {
      this.#policy.retryLater();
      this.#logger.warn({ err: describeError(error) }, "etcd log: encoding a snapshot failed; later");
      return undefined;
    }
  }

  /** Revokes the applied revision's lease: the node no longer holds compaction back. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#marker.close();
  }
}

/**
 * This node's applied revision in etcd (`nodes/<id>/applied`), under a lease: while the node lives,
 * compaction stays at or below it (see {@link compactionBound}); once the node is gone for the lease's
 * TTL, the key vanishes and no longer holds compaction back (the node, if it returns, catches up from
 * the snapshot).
 */
class AppliedMarker {
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
async function compactionBound(space: Namespace): Promise<number> {
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
async function compactBelow(space: Namespace, revision: number): Promise<void> {
  try {
    await space.kv.compact({ revision: String(revision), physical: false });
  } catch (error) {
    if (!isCompacted(error)) throw error;
  }
}
