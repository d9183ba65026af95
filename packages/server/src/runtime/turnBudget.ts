/**
 * Work done a slice at a time so no slice holds the event loop for longer than a budget: between
 * slices, timers (lease renewals, due probes) and I/O run. For loops over every monitor of a node, which
 * at 50,000 monitors take from tens of milliseconds to seconds.
 */

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A checkpoint for an async loop: call `await pause()` once per item; it yields to the event loop once
 * `budgetMs` has passed since the last yield, and costs a clock read otherwise.
 */
export function turnBudget(budgetMs: number): () => Promise<void> | undefined {
  let sliceStarted = performance.now();
  return () => {
    if (performance.now() - sliceStarted <= budgetMs) return undefined;
    return yieldTurn().then(() => {
      sliceStarted = performance.now();
    });
  };
}

/**
 * A queue drained in slices of at most `budgetMs`: `push` runs items at once while the current slice
 * lasts, and leaves the rest for the next turns, in order.
 */
export class BudgetedQueue<T> {
  readonly #budgetMs: number;
  readonly #work: (item: T) => void;
  #items: (T | undefined)[] = [];
  #head = 0;
  #scheduled = false;
  #closed = false;

  constructor(budgetMs: number, work: (item: T) => void) {
    this.#budgetMs = budgetMs;
    this.#work = work;
  }

  /** Items still to run. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Queues items and runs as many as the current slice allows. */
  push(...items: T[]): void {
    if (this.#closed) return;
    this.#items.push(...items);
    if (!this.#scheduled) this.#drain();
  }

  /** Drops what is queued and runs nothing more. */
  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
  }

  #drain(): void {
    const began = performance.now();
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as T;
      this.#items[this.#head++] = undefined;
      this.#work(item);
      if (this.#head < this.#items.length && performance.now() - began > this.#budgetMs) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          if (!this.#closed) this.#drain();
        });
        return;
      }
    }
    this.#items = [];
    this.#head = 0;
  }
}

/**
 * The size of the next batch of a write that should hold the event loop for about `budgetMs`, from how
 * long the last one took: halfway between the last size and the size that would have fit, so one slow
 * write (a checkpoint, a GC) does not swing it; within `[16, max]`.
 */
export function nextChunk(chunk: number, tookMs: number, budgetMs: number, max: number): number {
  if (!(tookMs > 0)) return Math.min(max, chunk * 2);
  const fits = (chunk * budgetMs) / tookMs;
  return Math.round(Math.min(max, Math.max(16, (chunk + fits) / 2)));
}
