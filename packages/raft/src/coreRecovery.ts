import { applyConfChange, decodeConfChange, encodeConfChange } from "./confChange.js";
import type { ProgressTracker } from "./progress.js";
import { RaftLog } from "./raftLog.js";
import type { RaftCoreState } from "./raftOptions.js";
import { type ConfChange, type ConfState, EntryType, type NodeId } from "./types.js";

/** What a core starts from: its durable state read back, or the bootstrap of a founding member. */
export interface RecoveredCore {
  log: RaftLog;
  conf: ConfState;
  term: number;
  vote: NodeId | null;
  commit: number;
  applied: number;
  /** Whether there was no durable state at all (a brand-new node). */
  fresh: boolean;
}

/** Rebuilds the log, membership and hard state from `state`, and sets `prs` to that membership. */
export function recoverCore(
  state: RaftCoreState,
  prs: ProgressTracker,
  logCacheBytes: number,
): RecoveredCore {
  const fresh = !state.hardState && !state.snapshot && (state.entries?.length ?? 0) === 0;
  const log = new RaftLog(state, logCacheBytes);
  let conf: ConfState = { voters: [], learners: [] };
  let term = 0;
  let vote: NodeId | null = null;
  let commit = 0;
  if (state.snapshot) {
    // Progress is seeded from the snapshot's index, before the entries after it count.
    conf = state.snapshot.meta.conf;
    prs.setConf(conf, state.snapshot.meta.index, state.snapshot.meta.index);
  }
  if (state.hardState) {
    term = state.hardState.term;
    vote = state.hardState.vote;
    commit = Math.min(Math.max(state.hardState.commit, log.compactedIndex()), log.lastIndex());
  }
  const snapIndex = log.compactedIndex();
  commit = Math.max(commit, snapIndex);
  const applied = snapIndex;
  if (fresh && state.initialConf && state.initialConf.voters.length > 0) {
    const cc: ConfChange = {
      type: "bootstrap",
      voters: state.initialConf.voters,
      learners: state.initialConf.learners,
    };
    log.append([{ index: 1, term: 1, type: EntryType.ConfChange, data: encodeConfChange(cc) }], 0);
    term = 1;
    commit = 1;
  }
  // The membership is that of the last committed change: pre-compute it so a restarted node can vote
  // before its first ready() is processed (re-applying a change later is idempotent).
  for (const i of log.confChangesIn(applied + 1, commit)) {
    conf = applyConfChange(conf, decodeConfChange(log.slice(i, i)[0]!.data));
    prs.setConf(conf, log.lastIndex(), log.stableIndex());
  }
  return { log, conf, term, vote, commit, applied, fresh };
}
