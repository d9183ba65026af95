/**
 * The terms of a contiguous range of log indexes, kept as runs: a run starts at an index and its term
 * holds up to the next run's start. A log has one run per leader that appended to it, so terms cost next
 * to nothing per entry, and an entry's bytes can leave memory while its term stays answerable.
 */
export class TermRuns {
  /** First index of each run, increasing. */
  #starts: number[] = [];
  /** Term of each run. */
  #terms: number[] = [];
  /** The last index covered (the range is empty when it is below the first run's start). */
  #last = 0;

  /** The term at `i`, or undefined when `i` is outside the range. */
  at(i: number): number | undefined {
    const n = this.#starts.length;
    if (n === 0 || i > this.#last || i < this.#starts[0]!) return undefined;
    // Most lookups are near the end of the log: the last run answers them without a search.
    if (i >= this.#starts[n - 1]!) return this.#terms[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.#terms[lo];
  }

  /** Extends the range by `index` (the next index after the range) of `term`. */
  push(index: number, term: number): void {
    const n = this.#terms.length;
    if (n === 0 || this.#terms[n - 1] !== term) {
      this.#starts.push(index);
      this.#terms.push(term);
    }
    this.#last = index;
  }

  /** Forgets every index from `from` on. */
  truncateFrom(from: number): void {
    while (this.#starts.length > 0 && this.#starts[this.#starts.length - 1]! >= from) {
      this.#starts.pop();
      this.#terms.pop();
    }
    this.#last = Math.min(this.#last, from - 1);
  }

  /** Forgets every index up to `upTo`. */
  dropTo(upTo: number): void {
    let drop = 0;
    while (drop + 1 < this.#starts.length && this.#starts[drop + 1]! <= upTo + 1) drop++;
    if (upTo >= this.#last) drop = this.#starts.length;
    this.#starts.splice(0, drop);
    this.#terms.splice(0, drop);
    if (this.#starts.length > 0 && this.#starts[0]! <= upTo) this.#starts[0] = upTo + 1;
  }

  /** Forgets everything. */
  clear(): void {
    this.#starts = [];
    this.#terms = [];
    this.#last = 0;
  }
}
