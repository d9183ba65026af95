/** A caller of `RaftNode.propose` (or of a membership change) waiting for its outcome. */
export interface PendingProposal {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** The log index once the proposal reached the core. */
  index?: number;
}

/** An encoded command waiting for the next batch. */
export interface QueuedProposal {
  data: Uint8Array;
  pending: PendingProposal;
}

/**
 * Group commit: the proposals made in one event-loop turn are handed to the core together, on the next
 * turn, so that they go into the log — and into one durable write — as a single batch. A proposal that
 * finds the leader idle can go at once instead ({@link add}'s `now`): there is nothing for it to wait for,
 * and the ones that follow it in the same turn still share the next batch.
 */
export class ProposalBatch {
  #items: QueuedProposal[] = [];
  #scheduled = false;
  readonly #flush: (batch: QueuedProposal[]) => void;

  /** `flush` receives every non-empty batch. */
  constructor(flush: (batch: QueuedProposal[]) => void) {
    this.#flush = flush;
  }

  /**
   * Queues a proposal for the batch of this turn, or hands it over alone right now when `now` and nothing
   * is queued (nothing queued can have been proposed before it, so the order of proposals holds).
   */
  add(item: QueuedProposal, now = false): void {
    if (now && this.#items.length === 0) {
      this.#flush([item]);
      return;
    }
    this.#items.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flushNow());
  }

  /** Takes a proposal out of the queue; false when it was not queued (it already reached the core). */
  remove(item: QueuedProposal): boolean {
    const queued = this.#items.indexOf(item);
    if (queued < 0) return false;
    this.#items.splice(queued, 1);
    return true;
  }

  /** Empties the queue, returning what was in it (the node stopped). */
  takeAll(): QueuedProposal[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  #flushNow(): void {
    this.#scheduled = false;
    const batch = this.takeAll();
    if (batch.length > 0) this.#flush(batch);
  }
}
