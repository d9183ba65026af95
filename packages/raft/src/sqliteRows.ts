/** The rows of the tables `SqliteStorage` keeps, and what they hold. */
import type { Entry, EntryType, HardState } from "./types.js";

/** A row of `entries`. */
export interface EntryRow {
  idx: number;
  term: number;
  type: number;
  data: Buffer;
}

/** The entry a row of `entries` holds, its data a view of the row's buffer. */
export function toEntry(r: EntryRow): Entry {
  return {
    index: r.idx,
    term: r.term,
    type: r.type as EntryType,
    data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
  };
}

/** The entries of rows read one by one. */
export function* toEntries(rows: Iterable<EntryRow>): Generator<Entry> {
  for (const r of rows) yield toEntry(r);
}

/** The row of `hard_state`. */
export interface HardStateRow {
  term: number;
  vote: string | null;
  commit_index: number;
}

/** The hard state the row of `hard_state` holds. */
export const toHardState = (r: HardStateRow): HardState => ({
  term: r.term,
  vote: r.vote,
  commit: r.commit_index,
});

/** The row of `snapshot`, without its bytes. */
export interface SnapshotRow {
  idx: number;
  term: number;
  conf: string;
  terms: string | null;
  chunks: number | null;
}
