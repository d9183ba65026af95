import type { HardState, Message, Ready, SoftState } from "./types.js";

/** The messages only a leader sends; they may leave before the leader's own write (see Ready.earlyMessages). */
const LEADER_MESSAGES: ReadonlySet<Message["type"]> = new Set(["app", "heartbeat", "snap", "timeoutNow"]);

/** Moves the leader-only messages of `rd` to `rd.earlyMessages`. */
export function splitEarlyMessages(rd: Ready): void {
  rd.earlyMessages = rd.messages.filter((m) => LEADER_MESSAGES.has(m.type));
  if (rd.earlyMessages.length > 0) rd.messages = rd.messages.filter((m) => !LEADER_MESSAGES.has(m.type));
}

/** The hard and soft state last handed out by `ready()`, to tell what changed since. */
export class HandedOutState {
  hard: HardState;
  soft: SoftState;

  constructor(hard: HardState, soft: SoftState) {
    this.hard = hard;
    this.soft = soft;
  }

  hardChanged(h: HardState): boolean {
    const p = this.hard;
    return p.term !== h.term || p.vote !== h.vote || p.commit !== h.commit;
  }
  softChanged(s: SoftState): boolean {
    const p = this.soft;
    return p.role !== s.role || p.leader !== s.leader || p.term !== s.term;
  }
}
