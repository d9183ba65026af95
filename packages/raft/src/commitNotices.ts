import type { RaftClock } from "./clock.js";
import { RaftError, RaftErrorCode } from "./errors.js";
import type { Message, NodeId } from "./types.js";

/**
 * A leader's commit notices, held back for a moment. Once an entry commits, the core tells every
 * follower at once with an AppendEntries that carries no entries, only the new commit index (as etcd
 * does). On a machine where the nodes share cores, that burst — a send per follower, each follower's
 * wake-up, apply and reply, and the leader's handling of the replies — lands exactly when the proposer
 * and the leader should take the next request. So a notice waits `delayMs`: any later message to that
 * follower carrying a commit index at least as high (the next AppendEntries or heartbeat) makes it
 * redundant, and it is dropped; otherwise it is sent when the delay ends. Followers apply at most
 * `delayMs` later; safety does not depend on it (a notice is only ever delayed or dropped, which the
 * network may do to any message).
 */
export class CommitNotices {
  readonly #clock: RaftClock;
  readonly #delayMs: number;
  readonly #send: (messages: Message[]) => void;
  readonly #held = new Map<NodeId, Message>();
  #timer: unknown = null;

  /**
   * @param delayMs how long a notice waits; 0 sends it at once.
   * @param send sends what the delay released.
   */
  constructor(clock: RaftClock, delayMs: number, send: (messages: Message[]) => void) {
    if (!(Number.isFinite(delayMs) && delayMs >= 0)) {
      throw new RaftError(
        RaftErrorCode.InvalidOption,
        `commitNoticeDelayMs must be a non-negative number of milliseconds, got ${delayMs}`,
      );
    }
    this.#clock = clock;
    this.#delayMs = delayMs;
    this.#send = send;
  }

  /**
   * Takes the leader's messages of a step that only moved the commit index and returns those to send
   * now: the notices (AppendEntries without entries) are held, replacing an older one to the same node.
   */
  hold(messages: Message[]): Message[] {
    if (this.#delayMs === 0) return messages;
    const now: Message[] = [];
    for (const m of messages) {
      if (m.type === "app" && (m.entries?.length ?? 0) === 0 && m.commit !== undefined) {
        this.#held.set(m.to, m);
      } else now.push(m);
    }
    if (this.#held.size > 0 && this.#timer === null) {
      this.#timer = this.#clock.setTimeout(() => this.#release(), this.#delayMs);
    }
    return now;
  }

  /** Drops the held notices that `messages`, about to be sent, make redundant. */
  sending(messages: readonly Message[]): void {
    if (this.#held.size === 0) return;
    for (const m of messages) {
      const held = this.#held.get(m.to);
      // Same term: a message of a later term supersedes the notice anyway, one of an earlier one cannot.
      if (held && m.term === held.term && (m.commit ?? -1) >= held.commit!) this.#held.delete(m.to);
    }
    if (this.#held.size === 0) this.#cancel();
  }

  /** Forgets every held notice (this node stopped leading, or stopped). */
  clear(): void {
    this.#held.clear();
    this.#cancel();
  }

  #release(): void {
    this.#timer = null;
    const due = [...this.#held.values()];
    this.#held.clear();
    if (due.length > 0) this.#send(due);
  }

  #cancel(): void {
    if (this.#timer === null) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
