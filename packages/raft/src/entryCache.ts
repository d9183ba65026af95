import type { Entry } from "./types.js";

/**
 * Roughly what the heap spends on an `Entry` besides its data bytes (the object, its `Uint8Array` and
 * backing store: ~290 bytes each in `bench raft:log-heap`), counted so that a run of tiny entries is
 * bounded too.
 */
const ENTRY_HEAP_OVERHEAD_BYTES = 300;

/**
 * The entries of the log held in memory: a contiguous range [`start`, `start + size - 1`] at the log's end.
 * Dropping from the front clears the slot and moves a cursor (the array is compacted now and then), as
 * eviction does that on every write.
 */
export class EntryCache {
  /** Dropped slots before `#head` are cleared, so a dropped entry is garbage at once. */
  #entries: (Entry | undefined)[] = [];
  /** Position in `#entries` of the entry at `#start`. */
  #head = 0;
  #start: number;
  #bytes = 0;

  /** An empty cache whose first entry will be at `start`. */
  constructor(start: number) {
    this.#start = start;
  }

  /** Index of the first entry held (the next index to be appended when empty). */
  get start(): number {
    return this.#start;
  }
  /** Number of entries held. */
  get size(): number {
    return this.#entries.length - this.#head;
  }
  /** Estimated heap bytes of the entries held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The entry at `i` (`start` ≤ `i` < `start + size`). */
  at(i: number): Entry {
    return this.#entries[this.#head + i - this.#start]!;
  }
  /** The entries in [`lo`, `hi`], both held. */
  range(lo: number, hi: number): Entry[] {
    // Slots in the range are never cleared: only those before `#head` are.
    return this.#entries.slice(this.#head + lo - this.#start, this.#head + hi - this.#start + 1) as Entry[];
  }

  /** Appends the entry following the last one held. */
  push(e: Entry): void {
    this.#entries.push(e);
    this.#bytes += e.data.length + ENTRY_HEAP_OVERHEAD_BYTES;
  }

  /** Drops every entry from `index` on; an index before `start` empties the cache, which then starts there. */
  truncateFrom(index: number): void {
    if (index <= this.#start) {
      this.reset(index);
      return;
    }
    const keep = this.#head + index - this.#start;
    for (let k = keep; k < this.#entries.length; k++) this.#bytes -= this.#cost(k);
    this.#entries.length = Math.min(this.#entries.length, keep);
  }

  /** Drops the entries up to `index` (those held). */
  dropTo(index: number): void {
    while (this.size > 0 && this.#start <= index) this.#dropFirst();
    this.#start = Math.max(this.#start, index + 1);
    this.#compact();
  }

  /** Drops the oldest entries, none after `upTo`, until at most `maxBytes` are held. */
  evict(maxBytes: number, upTo: number): void {
    while (this.#bytes > maxBytes && this.size > 0 && this.#start <= upTo) this.#dropFirst();
    this.#compact();
  }

  /** Empties the cache; the next entry will be at `start`. */
  reset(start: number): void {
    this.#entries = [];
    this.#head = 0;
    this.#start = start;
    this.#bytes = 0;
  }

  #dropFirst(): void {
    this.#bytes -= this.#cost(this.#head);
    this.#entries[this.#head] = undefined;
    this.#head++;
    this.#start++;
  }
  #cost(k: number): number {
    return this.#entries[k]!.data.length + ENTRY_HEAP_OVERHEAD_BYTES;
  }
  /** Drops the cleared slots once they are as many as those held (amortized O(1) per entry). */
  #compact(): void {
    if (this.#head > 64 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
