/** One buffered sample as {@link PendingSamples.read} fills it in. */
export interface PendingSample {
  module: string;
  monitor: string;
  t: number;
  /** The index in `sampleStatuses`. */
  status: number;
  latencyMs: number;
  value: number | null;
  message: string | null;
}

/** A blank {@link PendingSample}, to {@link PendingSamples.read} rows into. */
export const blankPendingSample = (): PendingSample => ({
  module: "",
  monitor: "",
  t: 0,
  status: 0,
  latencyMs: 0,
  value: null,
  message: null,
});

const initialCapacity = 1024;

/**
 * The samples waiting to be written to the history, first in, first out, in a ring of at most `capacity`:
 * adding to a full ring drops its oldest sample, so sampling never waits for a disk that does not take
 * writes. Samples are read from the front a few at a time and taken out once written.
 *
 * Kept as columns (typed arrays for the numbers, the names' own strings by reference) rather than an
 * object per sample: a sample waits here for the next flush, up to a second, which is long enough for
 * an object to be promoted to V8's old generation, at thousands of samples a second (the object and its
 * boxed time and latency, ~110 bytes each). The ring starts small and doubles up to `capacity` as a
 * backlog needs it.
 */
export class PendingSamples {
  readonly #max: number;
  #module: string[];
  #monitor: string[];
  #message: (string | null)[];
  #t: Float64Array;
  #latency: Float64Array;
  /** NaN for none. */
  #value: Float64Array;
  #status: Uint8Array;
  #head = 0;
  #size = 0;
  #dropped = 0;

  constructor(capacity: number) {
    this.#max = Math.max(1, capacity);
    const n = Math.min(this.#max, initialCapacity);
    this.#module = new Array(n);
    this.#monitor = new Array(n);
    this.#message = new Array(n);
    this.#t = new Float64Array(n);
    this.#latency = new Float64Array(n);
    this.#value = new Float64Array(n);
    this.#status = new Uint8Array(n);
  }

  /** How many samples wait. */
  get size(): number {
    return this.#size;
  }

  /** How many samples were dropped, each to make room for a newer one. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Adds a sample at the back; when the ring is full at its largest, the oldest goes first. */
  push(
    module: string,
    monitor: string,
    t: number,
    status: number,
    latencyMs: number,
    value: number | null,
    message: string | null,
  ): void {
    let capacity = this.#t.length;
    if (this.#size === capacity) {
      if (capacity < this.#max) capacity = this.#grow();
      else {
        this.#module[this.#head] = "";
        this.#monitor[this.#head] = "";
        this.#message[this.#head] = null;
        this.#head = (this.#head + 1) % capacity;
        this.#size--;
        this.#dropped++;
      }
    }
    const i = (this.#head + this.#size) % capacity;
    this.#module[i] = module;
    this.#monitor[i] = monitor;
    this.#t[i] = t;
    this.#status[i] = status;
    this.#latency[i] = latencyMs;
    this.#value[i] = value ?? Number.NaN;
    this.#message[i] = message;
    this.#size++;
  }

  /** Fills `into` with the `index`-th oldest sample (`index` < {@link size}) and returns it. */
  read(index: number, into: PendingSample): PendingSample {
    const i = (this.#head + index) % this.#t.length;
    into.module = this.#module[i]!;
    into.monitor = this.#monitor[i]!;
    into.t = this.#t[i]!;
    into.status = this.#status[i]!;
    into.latencyMs = this.#latency[i]!;
    const value = this.#value[i]!;
    into.value = Number.isNaN(value) ? null : value;
    into.message = this.#message[i] ?? null;
    return into;
  }

  /** Takes the `count` oldest samples out (those written). */
  shift(count: number): void {
    const n = Math.min(count, this.#size);
    const capacity = this.#t.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#head + k) % capacity;
      // Not kept past their write: a deleted monitor's names, a sample's message.
      this.#module[i] = "";
      this.#monitor[i] = "";
      this.#message[i] = null;
    }
    this.#head = (this.#head + n) % capacity;
    this.#size -= n;
  }

  /** Doubles the ring (up to its largest), oldest first from index 0. @returns the new capacity. */
  #grow(): number {
    const old = this.#t.length;
    const n = Math.min(this.#max, old * 2);
    const order = (i: number) => (this.#head + i) % old;
    const strings = <T>(from: T[]) => {
      const to = new Array<T>(n);
      for (let i = 0; i < this.#size; i++) to[i] = from[order(i)]!;
      return to;
    };
    const numbers = <A extends Float64Array | Uint8Array>(from: A, to: A) => {
      for (let i = 0; i < this.#size; i++) to[i] = from[order(i)]!;
      return to;
    };
    this.#module = strings(this.#module);
    this.#monitor = strings(this.#monitor);
    this.#message = strings(this.#message);
    this.#t = numbers(this.#t, new Float64Array(n));
    this.#latency = numbers(this.#latency, new Float64Array(n));
    this.#value = numbers(this.#value, new Float64Array(n));
    this.#status = numbers(this.#status, new Uint8Array(n));
    this.#head = 0;
    return n;
  }
}
