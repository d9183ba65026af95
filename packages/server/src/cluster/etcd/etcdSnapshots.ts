import { randomBytes } from "node:crypto";
import { AmstaffError } from "@amstaff/core";
import type { Namespace } from "etcd3";
import { z } from "zod";
import { chunkSetSchema, readChunks, writeChunks } from "./etcdChunks.js";
import { etcdKeys, isCompacted } from "./etcdClient.js";

/** A state machine snapshot stored in etcd and the log revision it covers. */
export interface StoredSnapshot {
  revision: number;
  data: Uint8Array;
}

/** `snapshot/manifest`: the stored snapshot's chunks and the log revision it covers. */
const manifestSchema = chunkSetSchema.extend({ covers: z.number().int().min(1) });

/** Where the chunk sets of snapshots covering `covers` go: sets sort by what they cover. */
const coversPrefix = (covers: number) => `${etcdKeys.snapshotChunks}${String(covers).padStart(16, "0")}/`;

function parseManifest(value: Buffer): z.output<typeof manifestSchema> {
  try {
    return manifestSchema.parse(JSON.parse(value.toString()));
  } catch (error) {
    throw new AmstaffError(
      "AMS_ERR_STATE_CORRUPT",
      `The snapshot manifest in etcd (${etcdKeys.snapshotManifest}) is unreadable; it was not written by this version.`,
      { cause: error },
    );
  }
}

/** The revision the stored snapshot covers and the etcd revision it was published at (0, 0 when none). */
export async function snapshotRevision(space: Namespace): Promise<{ covers: number; writtenAt: number }> {
  const { kvs } = await space.get(etcdKeys.snapshotManifest).exec();
  const kv = kvs[0];
  return kv === undefined
    ? { covers: 0, writtenAt: 0 }
    : { covers: parseManifest(kv.value).covers, writtenAt: Number(kv.mod_revision) };
}

/**
 * The latest stored snapshot, or undefined when none was published yet. The manifest and its chunks are
 * read at one etcd revision, so a snapshot published (and its predecessor's chunks deleted) meanwhile
 * cannot tear the read; when etcd compacted that revision away before the chunks were read, the newer
 * manifest is read instead. Throws `AMS_ERR_STATE_CORRUPT` when the chunks do not match the manifest.
 */
export async function loadSnapshot(space: Namespace): Promise<StoredSnapshot | undefined> {
  for (;;) {
    const { header, kvs } = await space.get(etcdKeys.snapshotManifest).exec();
    const kv = kvs[0];
    if (kv === undefined) return undefined;
    const manifest = parseManifest(kv.value);
    try {
      const data = await readChunks(space, manifest, Number(header.revision), "snapshot");
      return { revision: manifest.covers, data };
    } catch (error) {
      if (!isCompacted(error)) throw error;
    }
  }
}

/**
 * Stores `data` as the snapshot covering `revision`, unless a snapshot covering as much or more is
 * stored already: nodes store snapshots independently, and an older one must never replace a newer one,
 * since the history before the newer one may be compacted away. Resolves with whether it was stored.
 *
 * The chunks go first (chunks of `chunkBytes`, under a prefix of their own), then one small transaction
 * publishes the manifest if it did not change since it was read. Chunks that no manifest names are never
 * read: a writer that dies before publishing leaves chunks behind, and so does one that loses the race to
 * another. Once a manifest is published, every chunk set covering less (the one it replaced, and any such
 * leftovers) is deleted; readers of the old manifest still read its chunks at the old revision.
 */
export async function saveSnapshot(
  space: Namespace,
  revision: number,
  data: Uint8Array,
  chunkBytes: number,
): Promise<boolean> {
  const { covers, writtenAt } = await snapshotRevision(space);
  if (covers >= revision) return false;
  const prefix = `${coversPrefix(revision)}${randomBytes(6).toString("hex")}/`;
  // A failure from here on leaves chunks behind (whether the manifest moved is unknown): a later
  // publish deletes them.
  const set = await writeChunks(space, prefix, data, chunkBytes);
  const { succeeded } = await space
    .if(etcdKeys.snapshotManifest, "Mod", "==", writtenAt)
    .then(space.put(etcdKeys.snapshotManifest).value(JSON.stringify({ covers: revision, ...set })))
    .commit();
  if (succeeded) {
    await space
      .delete()
      .inRange({ start: etcdKeys.snapshotChunks, end: coversPrefix(revision) })
      .exec();
  } else {
    await space.delete().prefix(prefix).exec();
  }
  return succeeded;
}
