import { grown } from "./recentSamples.js";

/**
 * Uptime buckets of one window for every slot: `buckets` periods of `periodMs`, the up samples and the
 * counted ones of each. A slot remembers only its latest period: the bucket of a period is the period
 * modulo `buckets`, so every bucket holds one of the `buckets` periods up to the latest, and the buckets of
 * the periods skipped when the latest moves on are reset.
 */
export class UptimeBuckets {
  /** Each slot's latest period, 0 for none. */
  #latest = new Uint32Array(0);
  #up: Uint16Array | Uint32Array;
  #counted: Uint16Array | Uint32Array;
  /** The largest count a bucket holds: a count past it stays there (see the constructor's caller). */
  readonly #most: number;
  readonly #counts: Uint16ArrayConstructor | Uint32ArrayConstructor;

  readonly buckets: number;
  readonly periodMs: number;

  constructor(buckets: number, periodMs: number, counts: Uint16ArrayConstructor | Uint32ArrayConstructor) {
    this.buckets = buckets;
    this.periodMs = periodMs;
    this.#counts = counts;
    this.#most = 2 ** (8 * counts.BYTES_PER_ELEMENT) - 1;
    this.#up = new counts(0);
    this.#counted = new counts(0);
  }

  get bytes(): number {
    return this.#latest.byteLength + this.#up.byteLength + this.#counted.byteLength;
  }

  grow(capacity: number): void {
    this.#latest = grown(this.#latest, new Uint32Array(capacity));
    this.#up = grown(this.#up, new this.#counts(capacity * this.buckets));
    this.#counted = grown(this.#counted, new this.#counts(capacity * this.buckets));
  }

  clear(slot: number): void {
    this.#latest[slot] = 0;
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
    if (p > latest) {
      // The buckets of the periods after the latest, up to this one, start empty.
      const first = Math.max(latest + 1, p - this.buckets + 1);
      for (let q = first; q <= p; q++) {
        const i = slot * this.buckets + (q % this.buckets);
        this.#up[i] = 0;
        this.#counted[i] = 0;
      }
      this.#latest[slot] = p;
    }
    const i = slot * this.buckets + (p % this.buckets);
    // Saturates rather than wraps: a typed array keeps only the low bits of a sum past its range.
    this.#up[i] = Math.min(this.#up[i]! + up, this.#most);
    this.#counted[i] = Math.min(this.#counted[i]! + counted, this.#most);
  }

  /** Up over counted across the buckets of the last `buckets` periods up to `now`; null with none. */
  share(slot: number, now: number): number | null {
    const p = this.#period(now);
    const latest = this.#latest[slot]!;
    if (latest === 0) return null;
    let up = 0;
    let counted = 0;
    for (let q = Math.max(p, latest) - this.buckets + 1; q <= Math.min(p, latest); q++) {
      const i = slot * this.buckets + (q % this.buckets);
      up += this.#up[i]!;
      counted += this.#counted[i]!;
    }
    return counted === 0 ? null : up / counted;
  }
}
