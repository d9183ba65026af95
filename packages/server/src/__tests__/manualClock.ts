import type { Clock } from "../clock.js";

/** A clock that moves only when told to, firing due timers in order. */
export class ManualClock implements Clock {
  #now: number;
  #timers: { at: number; seq: number; callback: () => void }[] = [];
  #seq = 0;

  constructor(start = Date.UTC(2026, 10, 24, 12, 0, 0)) {
    this.#now = start;
  }

  now = (): number => this.#now;

  /** The same time as {@link ManualClock.now}: a manual clock never steps unless told to. */
  monotonic = (): number => this.#now;

  setTimeout = (callback: () => void, ms: number): unknown => {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers = this.#timers.filter((t) => t !== handle);
  };

  /**
   * Moves time forward, running every timer that falls due (and the promises they start) in order.
   * Between timers it lets pending I/O callbacks and promise chains settle, so work a timer starts has
   * armed its own timers before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > end) break;
      this.#timers.shift();
      this.#now = next.at;
      next.callback();
    }
    this.#now = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
