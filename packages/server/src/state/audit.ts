import type { Actor } from "./commands.js";
import type { AuditEntry } from "./records.js";
import type { Reducer } from "./reducer.js";

/** How many audit entries are kept (the newest). */
export const auditEntriesKept = 2_000;

/** What an audit entry says beyond its log index, time, action and actor. */
export interface AuditNote {
  target?: string | undefined;
  teams: string[];
  detail?: string | undefined;
}

/** The audit: every write the log applied, with the token that made it, in log order. */
export class AuditLog {
  #entries: AuditEntry[] = [];

  /** Appends an entry; an unknown actor (a log from before tokens had names) reads `unknown`. */
  record(index: number, at: number, action: string, actor: Actor | undefined, note: AuditNote): void {
    this.#entries.push({
      index,
      at,
      action,
      ...(note.target !== undefined && { target: note.target }),
      teams: note.teams,
      actor: actor ?? { name: "unknown" },
      ...(note.detail !== undefined && { detail: note.detail }),
    });
    // Trimming in batches of 100 keeps pushes cheap; a snapshot keeps exactly the newest.
    if (this.#entries.length > auditEntriesKept + 100) this.#entries = this.#entries.slice(-auditEntriesKept);
  }

  /**
   * The entries, newest first. With `team`, only those concerning that team or made by its tokens;
   * with `module`, only those that acted on it.
   */
  entries(filter: { team?: string; module?: string; limit?: number } = {}): AuditEntry[] {
    const { team, module, limit = 200 } = filter;
    const entries: AuditEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && entries.length < limit; i--) {
      const entry = this.#entries[i]!;
      if (team !== undefined && !entry.teams.includes(team) && entry.actor.team !== team) continue;
      if (module !== undefined && entry.target !== module) continue;
      entries.push(entry);
    }
    return entries;
  }

  /** The newest {@link auditEntriesKept} entries, oldest first, for a snapshot. */
  kept(): AuditEntry[] {
    return this.#entries.slice(-auditEntriesKept);
  }

  /** Replaces every entry by a snapshot's. */
  restore(entries: AuditEntry[]): void {
    this.#entries = entries;
  }
}

/** `audit.record`: a write that changes nothing else in this state (a cluster membership change). */
export const recordAudit: Reducer<"audit.record"> = (state, command, index) => {
  state.audit.record(index, command.at, command.action, command.actor, {
    target: command.target,
    teams: [],
    detail: command.detail,
  });
  return { ok: true };
};
