import type { ReadState } from "./types.js";

/** A caller of `RaftNode.read` waiting for its answer. */
export interface ReadWaiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The linearizable reads a {@link RaftNode} is answering: first waiting for the core to confirm
 * leadership (a ReadIndex round, identified by its context), then for the state machine to apply the
 * commit index that round confirmed.
 */
export class PendingReads {
  readonly #rounds = new Map<number, ReadWaiter>();
  #waiters: { index: number; waiter: ReadWaiter }[] = [];
  #seq = 0;

  /** Registers a read; returns the context of the ReadIndex round to start for it. */
  add(waiter: ReadWaiter): number {
    const context = ++this.#seq;
    this.#rounds.set(context, waiter);
    return context;
  }

  /**
   * Takes the rounds the core confirmed, then answers every read whose confirmed index the state machine
   * has reached (`applied`).
   */
  confirm(readStates: ReadState[], applied: number): void {
    for (const rs of readStates) {
      const waiter = this.#rounds.get(rs.context);
      if (!waiter) continue;
      this.#rounds.delete(rs.context);
      this.#waiters.push({ index: rs.index, waiter });
    }
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.index > applied) return true;
      w.waiter.resolve(undefined);
      return false;
    });
  }

  /** Rejects every pending read (leadership lost, or the node stopped). */
  rejectAll(error: Error): void {
    for (const w of this.#rounds.values()) w.reject(error);
    this.#rounds.clear();
    for (const w of this.#waiters) w.waiter.reject(error);
    this.#waiters = [];
  }
}
