import { type Entry, EntryType, type HardState } from "./types.js";

/**
 * Which hard states a storage must write, and which it may keep in memory: the commit index is volatile
 * state (Raft paper, Figure 2), learnt again from the leader after a restart, so a hard state that only
 * moves it need not be written, with one exception. A restarted node takes its membership from the
 * configuration changes up to its stored commit index (they take effect when applied, as in etcd), so the
 * stored commit index must not stay behind a committed change: a node would come back not knowing it is a
 * voter (a cluster whose every node came back so elects no leader, which the simulation found with the
 * bootstrap entry), and nodes back with memberships more than one change apart lose the overlap of
 * majorities that single-server changes rely on (Raft thesis §4.1). Term and vote are always written.
 *
 * @example
 * const lazy = new LazyCommit(stored.hardState, stored.entries);
 * if (lazy.mustWrite(update.hardState, update.entries)) { write(update.hardState); lazy.written(update.hardState); }
 */
export class LazyCommit {
  #stored: HardState | undefined;
  /** Indices of configuration changes above the stored commit index. */
  #changes: number[] = [];

  constructor(stored: HardState | undefined, entries: readonly Entry[]) {
    this.#stored = stored;
    this.#note(entries);
  }

  /** Whether `hard` (if any), saved with `entries`, must be written rather than kept in memory. */
  mustWrite(hard: HardState | undefined, entries: readonly Entry[]): boolean {
    this.#note(entries);
    if (!hard) return false;
    const s = this.#stored;
    return s?.term !== hard.term || s.vote !== hard.vote || this.#changes.some((i) => i <= hard.commit);
  }

  /** Records that `hard` is written. */
  written(hard: HardState): void {
    this.#stored = hard;
    if (this.#changes.length > 0) this.#changes = this.#changes.filter((i) => i > hard.commit);
  }

  #note(entries: readonly Entry[]): void {
    const after = this.#stored?.commit ?? 0;
    for (const e of entries) {
      if (e.type === EntryType.ConfChange && e.index > after) this.#changes.push(e.index);
    }
  }
}
