import type { RollupRow } from "./openBuckets.js";
import { grown } from "./recentSamples.js";

/** Per slot in {@link BucketColumns}' counts: the samples, then one per status (ok, warning, critical, unknown), then those with a value. */
const countFields = 6;
const valCountField = 5;
/** Per slot in its measures: latency min, sum and max, then value min, sum and max. */
const measureFields = 6;

/**
 * One open 5-minute bucket's rows, a row per monitor slot (the slot is the caller's), as two typed arrays
 * rather than an object per row: a `RollupRow` is 14 properties, its doubles boxed, and each monitor has
 * one or two buckets open at any time; here a row is 72 bytes. A slot with no sample (count 0) holds no row.
 */
export class BucketColumns {
  /** The bucket's start. */
  readonly start: number;
  /** How many slots hold a row. */
  size = 0;
  #counts: Uint32Array;
  #measures: Float64Array;

  constructor(start: number, capacity: number) {
    this.start = start;
    this.#counts = new Uint32Array(capacity * countFields);
    this.#measures = new Float64Array(capacity * measureFields);
  }

  /** Whether `slot` holds a row. */
  has(slot: number): boolean {
    return slot * countFields < this.#counts.length && this.#counts[slot * countFields]! > 0;
  }

  /** Slots past the end of the columns (none holds a row). */
  get capacity(): number {
    return this.#counts.length / countFields;
  }

  /** Adds `row` (of this bucket) into `slot`'s row, or makes it the slot's row if it holds none. */
  add(slot: number, row: RollupRow): void {
    if (slot >= this.capacity) this.#grow(Math.max(64, slot + 1, Math.ceil(this.capacity * 1.25)));
    const c = slot * countFields;
    const m = slot * measureFields;
    const counts = this.#counts;
    const measures = this.#measures;
    const fresh = counts[c] === 0;
    if (fresh) this.size++;
    const hadValue = !fresh && counts[c + valCountField]! > 0;
    const tally = [row.count, row.ok, row.warning, row.critical, row.unknown, row.val_count];
    for (let i = 0; i < countFields; i++) counts[c + i] = (fresh ? 0 : counts[c + i]!) + tally[i]!;
    measures[m] = fresh ? row.lat_min : Math.min(measures[m]!, row.lat_min);
    measures[m + 1] = (fresh ? 0 : measures[m + 1]!) + row.lat_sum;
    measures[m + 2] = fresh ? row.lat_max : Math.max(measures[m + 2]!, row.lat_max);
    // Value min and max stand for "none" (null) while the slot has no sample with a value.
    if (row.val_min !== null)
      measures[m + 3] = hadValue ? Math.min(measures[m + 3]!, row.val_min) : row.val_min;
    measures[m + 4] = (fresh ? 0 : measures[m + 4]!) + row.val_sum;
    if (row.val_max !== null)
      measures[m + 5] = hadValue ? Math.max(measures[m + 5]!, row.val_max) : row.val_max;
  }

  /** Forgets `slot`'s row. */
  delete(slot: number): void {
    if (!this.has(slot)) return;
    this.#counts[slot * countFields] = 0;
    this.size--;
  }

  /** `slot`'s row as `history_rollup` keeps it, for `series`; call only when {@link has}. */
  row(slot: number, series: number): RollupRow {
    const c = slot * countFields;
    const m = slot * measureFields;
    const counts = this.#counts;
    const measures = this.#measures;
    const withValue = counts[c + valCountField]! > 0;
    return {
      series,
      bucket: this.start,
      count: counts[c]!,
      ok: counts[c + 1]!,
      warning: counts[c + 2]!,
      critical: counts[c + 3]!,
      unknown: counts[c + 4]!,
      lat_min: measures[m]!,
      lat_sum: measures[m + 1]!,
      lat_max: measures[m + 2]!,
      val_count: counts[c + valCountField]!,
      val_min: withValue ? measures[m + 3]! : null,
      val_sum: measures[m + 4]!,
      val_max: withValue ? measures[m + 5]! : null,
    };
  }

  #grow(capacity: number): void {
    this.#counts = grown(this.#counts, new Uint32Array(capacity * countFields));
    this.#measures = grown(this.#measures, new Float64Array(capacity * measureFields));
  }
}
