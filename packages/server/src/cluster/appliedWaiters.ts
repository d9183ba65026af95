import type { Clock } from "../clock.js";

interface Waiter {
  index: number;
  /** Settles the wait with whether `index` was applied. */
  resolve: (applied: boolean) => void;
}

/**
 * The callers waiting until this node applied some log index: a follower's forwarded proposal waits for
 * its own entry (read-your-writes), a lease renewal for the leader's applied index. Woken by the applies
 * themselves, once per turn of the event loop: polling every few ms cost hundreds of timers a second on
 * a follower that had hundreds of forwarded proposals in flight during a big push.
 */
export class AppliedWaiters {
  readonly #clock: Clock;
  readonly #appliedIndex: () => number;
  #waiters: Waiter[] = [];
  #wakeScheduled = false;

  /** `appliedIndex`: the node's applied index now (Raft's, which also moves on a snapshot restore). */
  constructor(clock: Clock, appliedIndex: () => number) {
    this.#clock = clock;
    this.#appliedIndex = appliedIndex;
  }

  /** Call when the applied index moved (an entry applied, a snapshot restored): wakes the waiters due. */
  moved(): void {
    if (this.#wakeScheduled || this.#waiters.length === 0) return;
    this.#wakeScheduled = true;
    // After the applying turn: Raft updates its applied index once the state machine returned.
    setImmediate(() => {
      this.#wakeScheduled = false;
      this.#wake();
    });
  }

  /** Resolves true once this node applied `index`, false after `timeoutMs` on the clock. */
  wait(index: number, timeoutMs: number): Promise<boolean> {
    if (this.#appliedIndex() >= index) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        index,
        resolve: (applied) => {
          this.#clock.clearTimeout(timer);
          resolve(applied);
        },
      };
      const timer = this.#clock.setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(this.#appliedIndex() >= index);
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Gives up every wait (the node closes): they resolve with whether their index was applied. */
  close(): void {
    const applied = this.#appliedIndex();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(waiter.index <= applied);
  }

  #wake(): void {
    const applied = this.#appliedIndex();
    const due = this.#waiters.filter((w) => w.index <= applied);
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.index > applied);
    for (const waiter of due) waiter.resolve(true);
  }
}
