import { createHash } from "node:crypto";
import { AmstaffError } from "@amstaff/core";
import type { Lease, Namespace } from "etcd3";
import { z } from "zod";

/**
 * A value stored in etcd as chunks under one key prefix, and what a reader needs to put it together and
 * check it. Every value larger than one etcd request goes through here: etcd refuses requests over its
 * `--max-request-bytes` (1.5 MiB by default), and a gRPC client refuses answers over 4 MiB.
 */
export interface ChunkSet {
  /** The prefix the chunks live under (relative to the cluster's prefix), ending with `/`. */
  prefix: string;
  chunks: number;
  bytes: number;
  /** Hex SHA-256 of the whole value. */
  sha256: string;
}

/** A {@link ChunkSet} as it is read back from etcd (a snapshot's manifest, a staged log entry). */
export const chunkSetSchema = z.object({
  prefix: z.string().min(1),
  chunks: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** How large one chunk is by default: a third of etcd's default request limit. */
export const defaultChunkBytes = 512 * 1024;

/** How many chunk puts are in flight at once while a set is written. */
const parallelPuts = 4;

/** The key of chunk `n` of the set under `prefix`: fixed width, so keys sort as chunks do. */
export const chunkKey = (prefix: string, n: number) => `${prefix}${String(n).padStart(6, "0")}`;

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * Writes `data` as chunks of at most `chunkBytes` under `prefix`, one put per chunk (each put is
 * idempotent: a chunk is retried by writing it again). With `lease`, the chunks live under it, and
 * vanish with it if the writer dies before it commits them.
 */
export async function writeChunks(
  space: Namespace,
  prefix: string,
  data: Uint8Array,
  chunkBytes: number,
  lease?: Lease,
): Promise<ChunkSet> {
  const chunks = Math.ceil(data.byteLength / chunkBytes);
  // Hashed a batch at a time, between the puts: 34 MiB in one go is a 20 ms stretch.
  const hash = createHash("sha256");
  for (let first = 0; first < chunks; first += parallelPuts) {
    const batch = [];
    for (let n = first; n < Math.min(chunks, first + parallelPuts); n++) {
      const value = Buffer.from(
        data.buffer,
        data.byteOffset + n * chunkBytes,
        chunkSize(data, n, chunkBytes),
      );
      hash.update(value);
      const key = chunkKey(prefix, n);
      batch.push((lease ? lease.put(key) : space.put(key)).value(value).exec());
    }
    await Promise.all(batch);
  }
  return { prefix, chunks, bytes: data.byteLength, sha256: hash.digest("hex") };
}

function chunkSize(data: Uint8Array, n: number, chunkBytes: number): number {
  return Math.min(chunkBytes, data.byteLength - n * chunkBytes);
}

/**
 * Reads the set's chunks as they were at etcd revision `revision` (so a set being deleted or replaced
 * meanwhile is still read whole), a page of about 2 MiB per request, and checks them against the set.
 * Throws `AMS_ERR_STATE_CORRUPT` when a chunk is missing or the bytes do not match the checksum: nothing
 * is returned that was not written as one value.
 */
export async function readChunks(
  space: Namespace,
  set: ChunkSet,
  revision: number,
  what: string,
): Promise<Uint8Array> {
  const data = Buffer.alloc(set.bytes);
  let offset = 0;
  let next = 0;
  const perPage = Math.max(1, Math.floor((2 * 1024 * 1024 * set.chunks) / Math.max(1, set.bytes)));
  while (next < set.chunks) {
    const upTo = Math.min(set.chunks, next + perPage);
    const { kvs } = await space
      .getAll()
      .inRange({ start: chunkKey(set.prefix, next), end: chunkKey(set.prefix, upTo) })
      .revision(revision)
      .exec();
    for (const kv of kvs) {
      if (kv.key.toString() !== chunkKey(set.prefix, next)) break;
      if (offset + kv.value.byteLength > set.bytes) break;
      kv.value.copy(data, offset);
      offset += kv.value.byteLength;
      next++;
    }
    if (next < upTo) break;
  }
  if (next !== set.chunks || offset !== set.bytes || sha256(data) !== set.sha256) {
    throw new AmstaffError(
      "AMS_ERR_STATE_CORRUPT",
      `The ${what} stored in etcd under "${set.prefix}" is damaged (${next === set.chunks ? "its checksum does not match" : `chunk ${next} of ${set.chunks} is missing`}): it was not used.`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
