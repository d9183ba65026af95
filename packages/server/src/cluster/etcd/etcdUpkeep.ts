import { describeError } from "@amstaff/core";
import type { Lease, Namespace } from "etcd3";
import type { Logger } from "pino";
import { etcdKeys, isCompacted } from "./etcdClient.js";
import { saveSnapshot, snapshotRevision } from "./etcdSnapshots.js";

/** What one round of {@link EtcdUpkeep} needs to know of its node. */
export interface UpkeepNode {
  /** The revision the node applied. */
  applied(): number;
  /** The state machine's snapshot, taken synchronously with `applied()`. */
  snapshot(): Uint8Array;
}

/**
 * A node's upkeep of the log in etcd, one round at a time: records its applied revision, stores a
 * snapshot once `snapshotEntries` entries were applied since the last one, and compacts etcd's history
 * as far as every live node allows. A failed round is logged and retried at the next.
 */
export class EtcdUpkeep {
  readonly #space: Namespace;
  readonly #marker: AppliedMarker;
  readonly #snapshotEntries: number;
  readonly #chunkBytes: number;
  readonly #logger: Logger;
  #sinceSnapshot = 0;
  /** The revision this node last compacted at. */
  #compacted = 0;
  #running = false;

  constructor(
    space: Namespace,
    nodeId: string,
    opts: { ttlSeconds: number; snapshotEntries: number; chunkBytes: number; logger: Logger },
  ) {
    this.#space = space;
    this.#marker = new AppliedMarker(space, nodeId, opts.ttlSeconds);
    this.#snapshotEntries = opts.snapshotEntries;
    this.#chunkBytes = opts.chunkBytes;
    this.#logger = opts.logger;
  }

  /** Counts an applied entry towards the next snapshot. */
  applied(): void {
    this.#sinceSnapshot++;
  }

  /** A snapshot was restored: entries count from there. */
  restored(): void {
    this.#sinceSnapshot = 0;
  }

  /** One round (skipped while the previous one runs). */
  async run(node: UpkeepNode): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#marker.record(node.applied());
      if (this.#sinceSnapshot >= this.#snapshotEntries) {
        // Taken synchronously with the revision it covers: no entry is applied in between.
        const revision = node.applied();
        const data = node.snapshot();
        const counted = this.#sinceSnapshot;
        await saveSnapshot(this.#space, revision, data, this.#chunkBytes);
        this.#sinceSnapshot -= counted;
      }
      const bound = await compactionBound(this.#space);
      if (bound > this.#compacted) {
        await compactBelow(this.#space, bound);
        this.#compacted = bound;
      }
    } catch (error) {
      this.#logger.warn({ err: describeError(error) }, "etcd log: upkeep failed; retrying");
    } finally {
      this.#running = false;
    }
  }

  /** Revokes the applied revision's lease: the node no longer holds compaction back. */
  async close(): Promise<void> {
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
