import type { RaftLog } from "./raftLog.js";
import type { HardState, Message, ReadState, Ready, SoftState } from "./types.js";

/** The messages only a leader sends; they may leave before the leader's own write (see Ready.earlyMessages). */
const LEADER_MESSAGES: ReadonlySet<Message["type"]> = new Set(["app", "heartbeat", "snap", "timeoutNow"]);

/**
 * What the core last handed out in a Ready (its hard and soft state), to tell what changed since, and
 * the assembly of the next Ready from the log and the core's state.
 */
export class ReadyTracker {
  #hard: HardState;
  #soft: SoftState;

  constructor(hard: HardState, soft: SoftState) {
    this.#hard = hard;
    this.#soft = soft;
  }

  /** Whether the hard or the soft state of `core` differs from what was last handed out. */
  stateChanged(core: HardState & SoftState): boolean {
    return this.#hardChanged(core) || this.#softChanged(core);
  }
  #hardChanged(h: HardState): boolean {
    const p = this.#hard;
    return p.term !== h.term || p.vote !== h.vote || p.commit !== h.commit;
  }
  #softChanged(s: SoftState): boolean {
    const p = this.#soft;
    return p.role !== s.role || p.leader !== s.leader || p.term !== s.term;
  }

  /**
   * A Ready with `messages`, `readStates`, what `log` holds unstable and the state changes of `core`,
   * marked handed out; committed entries are left to the caller.
   */
  take(log: RaftLog, core: HardState & SoftState, messages: Message[], readStates: ReadState[]): Ready {
    const rd: Ready = {
      entries: [],
      mustSync: false,
      earlyMessages: [],
      messages,
      committedEntries: [],
      readStates,
    };
    if (this.#softChanged(core)) {
      this.#soft = { role: core.role, leader: core.leader, term: core.term };
      rd.softState = this.#soft;
    }
    const snapshot = log.takePendingSnapshot();
    if (snapshot) rd.snapshot = snapshot;
    rd.entries = log.takeUnstableEntries();
    const prev = this.#hard;
    const termOrVote = prev.term !== core.term || prev.vote !== core.vote;
    if (this.#hardChanged(core)) {
      this.#hard = { term: core.term, vote: core.vote, commit: core.commit };
      rd.hardState = this.#hard;
    }
    rd.mustSync = termOrVote || rd.entries.length > 0 || snapshot !== null;
    // A leader whose term and vote are already on disk may replicate before its own write (§10.2.1).
    if (core.role === "leader" && !termOrVote && !snapshot) {
      rd.earlyMessages = rd.messages.filter((m) => LEADER_MESSAGES.has(m.type));
      if (rd.earlyMessages.length > 0) rd.messages = rd.messages.filter((m) => !LEADER_MESSAGES.has(m.type));
      if (rd.entries.length > 0 && rd.messages.length === 0) rd.durableLater = true;
    }
    return rd;
  }
}
