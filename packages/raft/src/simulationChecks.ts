import type { RaftCore } from "./raft.js";
import { entryKey } from "./simulationKv.js";
import type { MemoryStorage } from "./storage.js";
import type { NodeId } from "./types.js";

/**
 * The first violation of the Log Matching property (§5.3) between two of `cores`: logs that agree on
 * the term at an index must hold the same entries up to it. Undefined when none.
 */
export function logMatchingViolation(cores: RaftCore[]): string | undefined {
  for (let a = 0; a < cores.length; a++) {
    for (let b = a + 1; b < cores.length; b++) {
      const x = cores[a]!;
      const y = cores[b]!;
      const lo = Math.max(x.compactedIndex(), y.compactedIndex()) + 1;
      const hi = Math.min(x.lastIndex(), y.lastIndex());
      let same = -1;
      for (let i = hi; i >= lo; i--) {
        if (x.termAt(i) === y.termAt(i)) {
          same = i;
          break;
        }
      }
      for (let i = lo; i <= same; i++) {
        const ex = x.entriesBetween(i, i)[0]!;
        const ey = y.entriesBetween(i, i)[0]!;
        if (entryKey(ex) !== entryKey(ey)) return `log matching violated at ${i} between ${x.id} and ${y.id}`;
      }
    }
  }
  return undefined;
}

/**
 * The first index up to `highestCommit` whose committed entry (`committed[i]`, by {@link entryKey}) is
 * not persisted, in the log or under a snapshot, by a quorum of the voters' `storages`. Undefined when
 * every committed entry is durable.
 */
export function firstUndurableCommit(
  storages: MemoryStorage[],
  committed: readonly string[],
  highestCommit: number,
): number | undefined {
  for (let i = 1; i <= highestCommit; i++) {
    let holders = 0;
    for (const storage of storages) {
      const st = storage.load();
      if ((st.snapshot?.meta.index ?? 0) >= i) holders++;
      else {
        const e = st.entries.find((x) => x.index === i);
        if (e && entryKey(e) === committed[i]) holders++;
      }
    }
    if (holders < Math.floor(storages.length / 2) + 1) return i;
  }
  return undefined;
}

/** A node as {@link convergenceFailure} sees it: its core (null while down) and its key-value state. */
export interface ConvergingNode {
  id: NodeId;
  core: RaftCore | null;
  kv: Map<string, string>;
}

/**
 * Liveness once the cluster healed: every member of the leader's membership (`members`) is up and has
 * applied the leader's commit index, and one that applied as far as the leader holds the same state.
 * The first failure, or undefined.
 */
export function convergenceFailure(
  leader: ConvergingNode & { core: RaftCore },
  members: ConvergingNode[],
): string | undefined {
  const want = leader.core.commit;
  for (const n of members) {
    if (!n.core || n.core.applied < want) {
      const c = n.core;
      return (
        `${n.id} did not catch up after healing (leader ${leader.id} commit ${want} last ${leader.core.lastIndex()} ` +
        `progress ${JSON.stringify(leader.core.progress(n.id))}; node ${c ? `${c.role} term ${c.term} applied ${c.applied} last ${c.lastIndex()} compacted ${c.compactedIndex()}` : "down"})`
      );
    }
    const a = JSON.stringify([...n.kv].sort());
    const b = JSON.stringify([...leader.kv].sort());
    if (n.core.applied === leader.core.applied && a !== b) return `state machines diverge: ${n.id}`;
  }
  return undefined;
}
