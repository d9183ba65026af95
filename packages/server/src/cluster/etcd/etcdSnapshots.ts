import type { Namespace } from "etcd3";
import { etcdKeys } from "./etcdClient.js";

/** A state machine snapshot stored in etcd and the log revision it covers. */
export interface StoredSnapshot {
  revision: number;
  data: Uint8Array;
}

/** The revision the stored snapshot covers and the etcd revision it was written at (0, 0 when none). */
export async function snapshotRevision(space: Namespace): Promise<{ covers: number; writtenAt: number }> {
  const { kvs } = await space.get(etcdKeys.snapshotRevision).exec();
  const kv = kvs[0];
  return kv === undefined
    ? { covers: 0, writtenAt: 0 }
    : { covers: Number(kv.value.toString()), writtenAt: Number(kv.mod_revision) };
}

/**
 * The latest stored snapshot, or undefined when none was stored yet. Its two keys are written in one
 * transaction, so they share a modification revision: a pair that does not was read across a newer
 * snapshot's write, and is read again.
 */
export async function loadSnapshot(space: Namespace): Promise<StoredSnapshot | undefined> {
  for (;;) {
    const { covers, writtenAt } = await snapshotRevision(space);
    if (writtenAt === 0) return undefined;
    const kv = (await space.get(etcdKeys.snapshotData).exec()).kvs[0];
    if (kv !== undefined && Number(kv.mod_revision) === writtenAt) {
      return { revision: covers, data: new Uint8Array(kv.value) };
    }
  }
}

/**
 * Stores `data` as the snapshot covering `revision`, unless a snapshot covering as much or more is
 * stored already: nodes store snapshots independently, and an older one must never replace a newer one,
 * since the history before the newer one may be compacted away. Resolves with whether it was stored.
 */
export async function saveSnapshot(space: Namespace, revision: number, data: Uint8Array): Promise<boolean> {
  const { covers, writtenAt } = await snapshotRevision(space);
  if (covers >= revision) return false;
  const { succeeded } = await space
    .if(etcdKeys.snapshotRevision, "Mod", "==", writtenAt)
    .then(
      space.put(etcdKeys.snapshotRevision).value(String(revision)),
      space.put(etcdKeys.snapshotData).value(Buffer.from(data)),
    )
    .commit();
  return succeeded;
}
