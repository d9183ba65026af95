import type { ProgressTracker } from "./progress.js";
import { ReadOnly } from "./readOnly.js";
import type { NodeId, ReadState } from "./types.js";

/**
 * The leader's linearizable reads (§6.4): a ReadIndex round confirmed by a quorum's heartbeat replies,
 * or, with lease reads, served at once while the leader lease holds.
 */
export class LeaderReads {
  readonly #self: NodeId;
  readonly #prs: ProgressTracker;
  readonly #leaseRead: boolean;
  readonly #electionTick: number;
  readonly #readOnly = new ReadOnly();
  #confirmed: ReadState[] = [];

  constructor(self: NodeId, prs: ProgressTracker, leaseRead: boolean, electionTick: number) {
    this.#self = self;
    this.#prs = prs;
    this.#leaseRead = leaseRead;
    this.#electionTick = electionTick;
  }

  /** Whether reads were confirmed since {@link LeaderReads.takeConfirmed}. */
  hasConfirmed(): boolean {
    return this.#confirmed.length > 0;
  }
  /** Hands out the confirmed reads, oldest first, and forgets them. */
  takeConfirmed(): ReadState[] {
    const confirmed = this.#confirmed;
    this.#confirmed = [];
    return confirmed;
  }
  /** Drops every pending read (leadership changed: their clients retry elsewhere). */
  reset(): void {
    this.#readOnly.reset();
  }
  /** Parks a read until the leader commits an entry of its term (only then is its commit index known). */
  wait(context: number): void {
    this.#readOnly.wait(context);
  }
  /** Hands out the parked reads, oldest first, and forgets them. */
  takeWaiting(): number[] {
    return this.#readOnly.takeWaiting();
  }
  /** The context of the newest round, which heartbeats carry (undefined when none is pending). */
  lastPendingContext(): number | undefined {
    return this.#readOnly.lastPendingContext();
  }

  /**
   * Starts the read `context` at commit index `commit` (leader tick `now`). A single voter or a valid
   * lease confirms it at once; otherwise returns true: a heartbeat round carrying `context` must confirm it.
   */
  start(context: number, commit: number, now: number, timeoutNowSent: boolean): boolean {
    if (this.#prs.voters.size === 1 && this.#prs.isVoter(this.#self)) {
      this.#confirmed.push({ index: commit, context });
      return false;
    }
    if (this.#leaseRead && this.#leaseValid(now, timeoutNowSent)) {
      this.#confirmed.push({ index: commit, context });
      return false;
    }
    this.#readOnly.add(context, commit, this.#self);
    return true;
  }
  #leaseValid(now: number, timeoutNowSent: boolean): boolean {
    // A transferee told to campaign now does not wait out our lease.
    if (timeoutNowSent) return false;
    const q = this.#prs.quorumAckedTick(now);
    // A quorum heard us at tick q (our clock) and will refuse votes for electionTick of their ticks;
    // one tick of margin covers tick phase differences (rates assumed equal, see README).
    return now - q < this.#electionTick - 1;
  }

  /** Records `from`'s heartbeat reply for the round `context`. */
  ack(from: NodeId, context: number): void {
    const confirmed = this.#readOnly.recvAck(
      from,
      context,
      (id) => this.#prs.isVoter(id),
      this.#prs.quorum(),
    );
    for (const rs of confirmed) this.#confirmed.push(rs);
  }
}
