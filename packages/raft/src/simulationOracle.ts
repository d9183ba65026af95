import type { SettledProposal } from "./proposalTracker.js";
import type { RaftCore } from "./raft.js";
import { firstUndurableCommit } from "./simulationChecks.js";
import { entryKey } from "./simulationKv.js";
import type { MemoryStorage } from "./storage.js";
import type { Entry, NodeId } from "./types.js";

/**
 * The simulation's record of what the cluster committed — learnt from the entries nodes apply, each as
 * its {@link entryKey} — and of who led each term, with the safety properties checked against it. Each
 * check returns the violation it found, or undefined.
 */
export class CommitOracle {
  readonly #leaderOfTerm = new Map<number, NodeId>();
  /** `committed[i]` is the key of the entry committed at index i (index 0 unused). */
  readonly #committed: string[] = [""];
  #highestCommit = 0;

  /** The highest index known committed. */
  get highestCommit(): number {
    return this.#highestCommit;
  }

  /** How many terms had a leader. */
  get leaders(): number {
    return this.#leaderOfTerm.size;
  }

  /**
   * `id` became leader of `term`: Election Safety (at most one leader per term, §5.2) and Leader
   * Completeness (its log holds every committed entry, §5.4).
   */
  leaderElected(id: NodeId, term: number, core: RaftCore): string | undefined {
    const prev = this.#leaderOfTerm.get(term);
    if (prev !== undefined && prev !== id) return `two leaders in term ${term}: ${prev}, ${id}`;
    this.#leaderOfTerm.set(term, id);
    for (let i = core.compactedIndex() + 1; i <= this.#highestCommit; i++) {
      const e = core.entriesBetween(i, i)[0];
      if (!e || entryKey(e) !== this.#committed[i])
        return `leader ${id} (term ${term}) lacks committed entry ${i}`;
    }
    if (core.lastIndex() < this.#highestCommit) return `leader ${id} log shorter than commit`;
    return undefined;
  }

  /** `id` applies the committed entry `e`: State Machine Safety (one entry per index, none skipped). */
  applied(id: NodeId, e: Entry): string | undefined {
    const key = entryKey(e);
    if (e.index <= this.#highestCommit) {
      if (this.#committed[e.index] !== key) {
        return `node ${id} committed ${key} at ${e.index}, others ${this.#committed[e.index]}`;
      }
      return undefined;
    }
    if (e.index !== this.#highestCommit + 1) return `commit gap at ${e.index}`;
    this.#committed.push(key);
    this.#highestCommit = e.index;
    return undefined;
  }

  /**
   * `id` settled a proposal: applied (result known or not) only if its entry is the one committed at its
   * index, dropped only if another entry is.
   */
  settled(id: NodeId, s: SettledProposal<unknown>): string | undefined {
    const committed = this.#committed[s.index];
    const ours = committed?.startsWith(`${s.term}:`);
    if ((s.outcome === "applied" || s.outcome === "appliedResultUnknown") && ours !== true)
      return `${id} settled ${s.term}/${s.index} as ${s.outcome}, committed there: ${committed}`;
    if (s.outcome === "dropped" && (committed === undefined || ours))
      return `${id} settled ${s.term}/${s.index} as dropped, committed there: ${committed}`;
    return undefined;
  }

  /** The first committed index not durable on a quorum of the voters' `storages`, if any. */
  firstUndurable(storages: MemoryStorage[]): number | undefined {
    return firstUndurableCommit(storages, this.#committed, this.#highestCommit);
  }
}
