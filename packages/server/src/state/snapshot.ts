import { AmstaffError, type Silence } from "@amstaff/core";
import { turnBudget } from "../runtime/turnBudget.js";
import type { HeartbeatSnapshot } from "./heartbeats.js";
import type {
  AuditEntry,
  DeliveryRecord,
  GroupRecord,
  MemberRecord,
  ModuleRevision,
  MonitorRecord,
  OwnershipGrant,
  StoredModule,
  TransitionRecord,
} from "./records.js";
import type { StatusPagesSnapshot } from "./statusPages.js";

/**
 * The state machine's snapshot, as JSON. Format 2 is written and format 1 still restores: a snapshot
 * written before must restore after, so the fields older snapshots lack are optional.
 */
export interface SnapshotData {
  format: number;
  clusterId?: string | undefined;
  members?: MemberRecord[];
  grants?: OwnershipGrant[];
  modules: StoredModule[];
  monitors: MonitorRecord[];
  /** Monitor by monitor, each oldest first. */
  transitions: TransitionRecord[];
  deliveries: DeliveryRecord[];
  history: [string, ModuleRevision[]][];
  silences?: Silence[];
  teams?: [string, string][];
  audit?: AuditEntry[];
  heartbeats?: HeartbeatSnapshot;
  /** Grouping handlers' messages (absent before grouping existed). */
  groups?: GroupRecord[];
  /** Status pages and their notes (absent before configured status pages existed). */
  statusPages?: StatusPagesSnapshot;
}

/** The snapshot format this version writes. */
export const snapshotFormat = 2;

/** A snapshot's bytes. */
export function encodeSnapshot(data: SnapshotData): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(data));
}

/** Reads a snapshot's bytes; throws `AMS_ERR_STATE_CORRUPT` for bytes that are not one this version can restore. */
export function decodeSnapshot(snapshot: Uint8Array): SnapshotData {
  let data: SnapshotData;
  try {
    data = JSON.parse(new TextDecoder().decode(snapshot));
  } catch (cause) {
    throw new AmstaffError("AMS_ERR_STATE_CORRUPT", "The state snapshot is not valid JSON.", { cause });
  }
  if (data.format !== 1 && data.format !== snapshotFormat) {
    throw new AmstaffError("AMS_ERR_STATE_CORRUPT", `Unsupported snapshot format ${String(data.format)}.`);
  }
  return data;
}

/**
 * A field of the snapshot, read when its turn to be encoded comes. A field's list may come as any
 * iterable (a generator over the state, which then needs no copy); it is encoded as a JSON array.
 */
export type SnapshotField = [key: keyof SnapshotData, read: () => unknown];

/** Whether a field's value is a list given as an iterable other than an array (encoded as an array). */
export function isSequence(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === "function"
  );
}

/** Characters of JSON collected before they are turned into bytes. */
const flushChars = 64 * 1024;

/**
 * The bytes {@link encodeSnapshot} gives for the object of `fields`, encoded a piece at a time:
 * `pause()` is called between array elements and between byte chunks, and the encode waits for the
 * promise it returns (see `turnBudget`), so no slice holds the event loop for long. The state must not
 * change until the promise settles.
 */
export async function encodeSnapshotInSlices(
  fields: SnapshotField[],
  pause: () => Promise<void> | undefined,
): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let parts: string[] = [];
  let pending = 0;
  const write = (text: string) => {
    parts.push(text);
    pending += text.length;
    if (pending < flushChars) return;
    chunks.push(encoder.encode(parts.join("")));
    parts = [];
    pending = 0;
  };
  // Arrays are split down to their elements' elements (a module's history is one element holding all
  // its revisions); plain objects only at the top (heartbeats, status pages); the rest is one piece.
  const value = async (v: unknown, depth: number): Promise<void> => {
    if ((Array.isArray(v) && depth <= 3) || (isSequence(v) && depth <= 1)) {
      write("[");
      let first = true;
      for (const item of v as Iterable<unknown>) {
        if (!first) write(",");
        first = false;
        // JSON.stringify writes null for an element it cannot encode (undefined, a function).
        await value(item ?? null, depth + 1);
        const wait = pause();
        if (wait) await wait;
      }
      write("]");
    } else if (
      depth <= 1 &&
      v !== null &&
      typeof v === "object" &&
      Object.getPrototypeOf(v) === Object.prototype
    ) {
      await object(
        Object.entries(v).map(([key, item]): [string, () => unknown] => [key, () => item]),
        depth,
      );
    } else {
      write(JSON.stringify(v) ?? "null");
    }
  };
  const object = async (entries: [string, () => unknown][], depth: number) => {
    write("{");
    let first = true;
    for (const [key, read] of entries) {
      const item = read();
      // JSON.stringify leaves out properties whose value it cannot encode.
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      write(`${first ? "" : ","}${JSON.stringify(key)}:`);
      first = false;
      await value(item, depth + 1);
    }
    write("}");
  };
  await object(fields, 0);
  chunks.push(encoder.encode(parts.join("")));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
    const wait = pause();
    if (wait) await wait;
  }
  return out;
}

/**
 * A {@link turnBudget} whose slices double every `growEveryMs` of wall time, up to 4 × `budgetMs`. For
 * an encode that holds something back while it runs (the Raft node applies nothing meanwhile): on a loop
 * busy with other work it takes a larger share the longer it lasts, instead of stretching on.
 */
export function growingBudget(budgetMs: number, growEveryMs: number): () => Promise<void> | undefined {
  const began = performance.now();
  let budget = budgetMs;
  let pause = turnBudget(budget);
  return () => {
    if (
      budget < 4 * budgetMs &&
      performance.now() - began > growEveryMs * Math.log2((2 * budget) / budgetMs)
    ) {
      budget *= 2;
      pause = turnBudget(budget);
    }
    return pause();
  };
}
