import type { Clock } from "../../clock.js";

/**
 * Callers waiting for the log to reach a point (an entry applied, a revision caught up with): each
 * condition is checked again whenever the log {@link Waiters.notify notifies} (after each applied entry,
 * restored snapshot, and on close).
 */
export class Waiters {
  readonly #clock: Clock;
  readonly #closed: () => boolean;
  readonly #listeners = new Set<() => void>();

  constructor(clock: Clock, closed: () => boolean) {
    this.#clock = clock;
    this.#closed = closed;
  }

  /** Resolves once `condition` holds, at `deadline`, or once the log is closed, whichever comes first. */
  async until(condition: () => boolean, deadline: number): Promise<void> {
    if (condition() || this.#closed()) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#listeners.delete(check);
        this.#clock.clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (condition() || this.#closed()) done();
      };
      const timer = this.#clock.setTimeout(done, Math.max(0, deadline - this.#clock.now()));
      this.#listeners.add(check);
    });
  }

  /** Checks every waiting condition again. */
  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
