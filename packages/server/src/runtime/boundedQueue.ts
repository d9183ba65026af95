/**
 * A first-in, first-out queue of at most `capacity` items in a fixed ring: adding to a full queue drops its
 * oldest item, so whoever adds never waits for whoever takes (samples waiting for a disk that does not
 * take writes, say). Items are read from the front a few at a time and taken out once handled.
 */
export class BoundedQueue<T> {
  readonly #ring: (T | undefined)[];
  #head = 0;
  #size = 0;
  #dropped = 0;

  constructor(capacity: number) {
    this.#ring = new Array(Math.max(1, capacity));
  }

  /** How many items wait. */
  get size(): number {
    return this.#size;
  }

  /** How many items were dropped, each to make room for a newer one. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Adds `item` at the back; when full, the oldest item goes first. */
  push(item: T): void {
    const capacity = this.#ring.length;
    if (this.#size === capacity) {
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#size--;
      this.#dropped++;
    }
    this.#ring[(this.#head + this.#size) % capacity] = item;
    this.#size++;
  }

  /** The `count` oldest items (fewer when fewer wait), left in the queue. */
  front(count: number): T[] {
    const items: T[] = [];
    const n = Math.min(count, this.#size);
    for (let i = 0; i < n; i++) items.push(this.#ring[(this.#head + i) % this.#ring.length]!);
    return items;
  }

  /** Takes the `count` oldest items out (those handled). */
  shift(count: number): void {
    const n = Math.min(count, this.#size);
    for (let i = 0; i < n; i++) this.#ring[(this.#head + i) % this.#ring.length] = undefined;
    this.#head = (this.#head + n) % this.#ring.length;
    this.#size -= n;
  }
}
