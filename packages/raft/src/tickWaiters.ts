import type { RaftClock } from "./clock.js";
import { RaftError, RaftErrorCode } from "./errors.js";

/**
 * Operations of a {@link RaftNode} that wait for a condition on its state (a learner caught up, a
 * leadership transfer done): the condition is checked at once and then on every tick, until it holds,
 * its deadline on the node's clock passes, or the node stops.
 */
export class TickWaiters {
  readonly #clock: RaftClock;
  readonly #stopped: () => boolean;
  readonly #checks = new Set<() => void>();

  constructor(clock: RaftClock, stopped: () => boolean) {
    this.#clock = clock;
    this.#stopped = stopped;
  }

  /**
   * Resolves once `cond()` returns true; rejects with `RAFT_TIMEOUT` after `timeoutMs`, `RAFT_STOPPED`
   * once the node stopped, or with what `cond` throws.
   */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = this.#clock.now() + timeoutMs;
      const check = () => {
        try {
          if (this.#stopped()) throw new RaftError(RaftErrorCode.Stopped, "node stopped");
          if (cond()) {
            this.#checks.delete(check);
            resolve();
          } else if (this.#clock.now() > deadline) {
            throw new RaftError(RaftErrorCode.Timeout, "operation timed out");
          }
        } catch (error) {
          this.#checks.delete(check);
          reject(error);
        }
      };
      this.#checks.add(check);
      check();
    });
  }

  /** Checks every waiting condition (on each tick, and once the node stopped). */
  check(): void {
    for (const c of this.#checks) c();
  }
}
