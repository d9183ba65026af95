import { randomBytes } from "node:crypto";
import { AmstaffError } from "@amstaff/core";
import type { IKeyValue, Lease, Namespace } from "etcd3";
import type { Command } from "../../state/commands.js";
import { chunkKey, chunkSetSchema, readChunks, writeChunks } from "./etcdChunks.js";
import { etcdKeys } from "./etcdClient.js";

/** One log entry: the command and who proposed it, so the proposer recognises it on the watch. */
export interface Entry {
  id: string;
  command: Command;
}

/** An entry as read from the log, and how many bytes of etcd's history it takes (its staged chunks too). */
export type ReadEntry = Partial<Entry> & { bytes: number };

/**
 * How long staged chunks outlive a proposer that died before appending their entry (the lease's TTL, in
 * seconds; a live proposer keeps the lease alive and revokes it once it is done).
 */
const stagedTtlSeconds = 30;

/** A command staged in etcd, and what its log entry needs. */
export interface Staged {
  /** The log entry's value: the entry's id and where its command is. */
  value: string;
  /** A key that exists as long as the staged chunks do: the entry is appended only while it does. */
  requires: string;
  /**
   * Deletes the chunks (entries that were appended read them at their own revision, in etcd's history);
   * never rejects.
   */
  release(): Promise<void>;
}

/**
 * Stages a command too large for one etcd request: its JSON as chunks under `staged/<nonce>/`, under a
 * lease of its own, so that nothing is left behind if the proposer dies before appending the entry. The
 * entry in the log then carries only the chunk set; every node reads the chunks as they were at the
 * entry's revision ({@link readEntry}), which compaction never passes while a live node has not applied
 * the entry (see `EtcdUpkeep`), so the chunks can be deleted as soon as the entry is committed.
 */
export async function stageCommand(
  space: Namespace,
  id: string,
  command: string,
  chunkBytes: number,
): Promise<Staged> {
  const lease: Lease = space.lease(stagedTtlSeconds);
  try {
    const set = await writeChunks(
      space,
      etcdKeys.staged(randomBytes(8).toString("hex")),
      Buffer.from(command),
      chunkBytes,
      lease,
    );
    return {
      value: JSON.stringify({ id, staged: set }),
      requires: chunkKey(set.prefix, 0),
      // Bounded: with etcd out of reach the lease, no longer kept alive, expires by itself.
      release: () => lease.revoke({ deadline: Date.now() + 2_000 }).catch(() => undefined),
    };
  } catch (error) {
    await lease.revoke().catch(() => undefined);
    throw error;
  }
}

/**
 * The entry a log key's value holds, reading a staged command's chunks at the entry's revision. A value
 * this version did not write, or a staged command whose chunks are missing or damaged, yields an entry
 * without a command, which the state machine refuses on every node alike (they all read the same bytes
 * at the same revision). Rejects only when etcd could not be read: the caller tries again.
 */
export async function readEntry(space: Namespace, kv: IKeyValue): Promise<ReadEntry> {
  const bytes = kv.value.byteLength;
  let entry: Partial<Entry> & { staged?: unknown } = {};
  try {
    entry = JSON.parse(kv.value.toString());
  } catch {
    return { bytes };
  }
  if (entry.staged === undefined) return { ...entry, bytes };
  const set = chunkSetSchema.safeParse(entry.staged);
  if (!set.success) return { id: entry.id, bytes };
  const withChunks = { id: entry.id, bytes: bytes + set.data.bytes };
  let data: Uint8Array;
  try {
    data = await readChunks(space, set.data, Number(kv.mod_revision), "staged command");
  } catch (error) {
    if (error instanceof AmstaffError) return withChunks;
    throw error;
  }
  try {
    return { ...withChunks, command: JSON.parse(Buffer.from(data).toString()) };
  } catch {
    return withChunks;
  }
}
