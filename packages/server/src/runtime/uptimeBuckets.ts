import { grown } from "./recentSamples.js";

/** The most a 16-bit count holds; a slot whose count would pass it moves to 32-bit counts kept aside. */
const most16 = 0xffff;

/** One slot's buckets in 32 bits, for the few slots whose counts outgrow 16. */
interface WideCounts {
  up: Uint32Array;
  counted: Uint32Array;
}

/**
 * Uptime buckets of one window for every slot: `buckets` periods of `periodMs`, the up samples and the
 * counted ones of each. A slot remembers only its latest period: the bucket of a period is the period
 * modulo `buckets`, so every bucket holds one of the `buckets` periods up to the latest, and the buckets of
 * the periods skipped when the latest moves on are reset.
 *
 * Counts are 16 bits: an hour holds at most 3,600 samples of a monitor (intervals are at least 1 s), a day
 * 65,535 at intervals of 1.32 s or more. A slot whose count would pass that (a monitor sampling every
 * second) keeps its buckets in 32 bits aside, so no count saturates or wraps; the days' buckets of 50,000
 * monitors take 5.7 MiB instead of 11.4.
 */
export class UptimeBuckets {
  /** Each slot's latest period, 0 for none. */
  #latest = new Uint32Array(0);
  #up = new Uint16Array(0);
  #counted = new Uint16Array(0);
  readonly #wide = new Map<number, WideCounts>();

  readonly buckets: number;
  readonly periodMs: number;

  constructor(buckets: number, periodMs: number) {
    this.buckets = buckets;
    this.periodMs = periodMs;
  }

  get bytes(): number {
    let bytes = this.#latest.byteLength + this.#up.byteLength + this.#counted.byteLength;
    for (const { up, counted } of this.#wide.values()) bytes += up.byteLength + counted.byteLength;
    return bytes;
  }

  grow(capacity: number): void {
    this.#latest = grown(this.#latest, new Uint32Array(capacity));
    this.#up = grown(this.#up, new Uint16Array(capacity * this.buckets));
    this.#counted = grown(this.#counted, new Uint16Array(capacity * this.buckets));
  }

  clear(slot: number): void {
    this.#latest[slot] = 0;
    this.#wide.delete(slot);
  }

  /** Period numbers start at 1, so that 0 marks a slot without any. */
  #period(t: number): number {
    return Math.floor(t / this.periodMs) + 1;
  }

  add(slot: number, t: number, isUp: number): void {
    this.seed(slot, t, isUp, 1);
  }

  /**
   * Adds `up` of `counted` samples to the period of `t`; left out when the period is out of the window
   * that ends at the slot's latest period.
   */
  seed(slot: number, t: number, up: number, counted: number): void {
    const p = this.#period(t);
    const latest = this.#latest[slot]!;
    if (p <= latest - this.buckets) return;
    const wide = this.#wide.size === 0 ? undefined : this.#wide.get(slot);
    const ups = wide?.up ?? this.#up;
    const counts = wide?.counted ?? this.#counted;
    const at = wide === undefined ? slot * this.buckets : 0;
    if (p > latest) {
      // The buckets of the periods after the latest, up to this one, start empty.
      const first = Math.max(latest + 1, p - this.buckets + 1);
      for (let q = first; q <= p; q++) {
        ups[at + (q % this.buckets)] = 0;
        counts[at + (q % this.buckets)] = 0;
      }
      this.#latest[slot] = p;
    }
    const i = at + (p % this.buckets);
    if (wide === undefined && counts[i]! + counted > most16) {
      this.#widen(slot);
      this.seed(slot, t, up, counted);
      return;
    }
    ups[i]! += up;
    counts[i]! += counted;
  }

  /** Up over counted across the buckets of the last `buckets` periods up to `now`; null with none. */
  share(slot: number, now: number): number | null {
    const p = this.#period(now);
    const latest = this.#latest[slot]!;
    if (latest === 0) return null;
    const wide = this.#wide.size === 0 ? undefined : this.#wide.get(slot);
    const ups = wide?.up ?? this.#up;
    const counts = wide?.counted ?? this.#counted;
    const at = wide === undefined ? slot * this.buckets : 0;
    let up = 0;
    let counted = 0;
    for (let q = Math.max(p, latest) - this.buckets + 1; q <= Math.min(p, latest); q++) {
      up += ups[at + (q % this.buckets)]!;
      counted += counts[at + (q % this.buckets)]!;
    }
    return counted === 0 ? null : up / counted;
  }

  /** Moves a slot's buckets to 32-bit counts of its own. */
  #widen(slot: number): void {
    const from = slot * this.buckets;
    this.#wide.set(slot, {
      up: Uint32Array.from(this.#up.subarray(from, from + this.buckets)),
      counted: Uint32Array.from(this.#counted.subarray(from, from + this.buckets)),
    });
  }
}
