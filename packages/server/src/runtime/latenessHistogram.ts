/** Percentiles of how late runs started, in milliseconds. */
export interface LatenessSummary {
  /** Runs counted (those that started in the window). */
  count: number;
  p50: number;
  p99: number;
  max: number;
}

// Log-linear buckets: 1 ms wide below 64 ms, then 16 per power of two (at most 6.25 % wide) up to 2^31 ms.
const linear = 64;
const subBuckets = 16;
const bucketCount = linear + (31 - 6) * subBuckets;

function bucketOf(ms: number): number {
  const v = Math.min(Math.max(0, Math.floor(ms)), 2 ** 31 - 1);
  if (v < linear) return v;
  const exponent = 31 - Math.clz32(v);
  return linear + (exponent - 6) * subBuckets + ((v >>> (exponent - 4)) & (subBuckets - 1));
}

/** The largest lateness a bucket holds: percentiles err on the late side. */
function upperBoundOf(bucket: number): number {
  if (bucket < linear) return bucket;
  const exponent = 6 + Math.floor((bucket - linear) / subBuckets);
  const sub = (bucket - linear) % subBuckets;
  const width = 2 ** (exponent - 4);
  return 2 ** exponent + (sub + 1) * width - 1;
}

/**
 * How late scheduled runs start against their due time, over a sliding window: two fixed histograms,
 * the current one and the one before, swapped every `windowMs`, so a summary covers the runs of the
 * last `windowMs` to `2 × windowMs`. Recording is O(1) and allocates nothing.
 */
export class LatenessHistogram {
  readonly #windowMs: number;
  #current = new Uint32Array(bucketCount);
  #previous = new Uint32Array(bucketCount);
  #currentMax = 0;
  #previousMax = 0;
  #currentCount = 0;
  #previousCount = 0;
  #windowStart: number | undefined;

  /** @param windowMs how long a histogram collects before it is swapped out. @default 10000 */
  constructor(windowMs = 10_000) {
    this.#windowMs = windowMs;
  }

  #rotate(now: number): void {
    if (this.#windowStart === undefined) {
      this.#windowStart = now;
      return;
    }
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#windowMs) return;
    if (elapsed >= 2 * this.#windowMs) {
      this.#previous.fill(0);
      this.#previousMax = 0;
      this.#previousCount = 0;
    } else {
      [this.#previous, this.#current] = [this.#current, this.#previous];
      this.#previousMax = this.#currentMax;
      this.#previousCount = this.#currentCount;
    }
    this.#current.fill(0);
    this.#currentMax = 0;
    this.#currentCount = 0;
    this.#windowStart = now - (elapsed % this.#windowMs);
  }

  /** Records one run that started `latenessMs` after it was due, at time `now`. */
  record(latenessMs: number, now: number): void {
    this.#rotate(now);
    const ms = Math.max(0, latenessMs);
    this.#current[bucketOf(ms)]!++;
    this.#currentCount++;
    if (ms > this.#currentMax) this.#currentMax = ms;
  }

  /** p50, p99 and max of the window ending at `now`; zeros when nothing ran in it. */
  summary(now: number): LatenessSummary {
    this.#rotate(now);
    const count = this.#currentCount + this.#previousCount;
    const max = Math.max(this.#currentMax, this.#previousMax);
    if (count === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const at = (q: number) => {
      const rank = Math.ceil(q * count);
      let seen = 0;
      for (let b = 0; b < bucketCount; b++) {
        seen += this.#current[b]! + this.#previous[b]!;
        if (seen >= rank) return Math.min(upperBoundOf(b), max);
      }
      return max;
    };
    return { count, p50: at(0.5), p99: at(0.99), max };
  }
}
