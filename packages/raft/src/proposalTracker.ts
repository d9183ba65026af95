import type { Entry, Ready, SnapshotMeta } from "./types.js";

/**
 * How a proposal ended, as far as the proposing node can prove it:
 * - `applied`: the committed entry at the proposal's index is the proposal itself (apply it and hand the
 *   state machine's result to the proposer);
 * - `appliedResultUnknown`: a snapshot proves the proposal was committed and applied, but this node never
 *   applied the entry itself, so the state machine's result is unknown here;
 * - `dropped`: another entry was committed at the proposal's index — it did not and never will take effect;
 * - `unknown`: this node lost leadership and could not learn the outcome within the grace period, or a
 *   snapshot covers the index without telling which entry is there. It may or may not take effect.
 */
export type ProposalOutcome = "applied" | "appliedResultUnknown" | "dropped" | "unknown";

/** A proposal that settled: its token, its log position and its outcome. */
export interface SettledProposal<T> {
  token: T;
  index: number;
  term: number;
  outcome: ProposalOutcome;
}

/** Options of {@link ProposalTracker}. */
export interface ProposalTrackerOptions {
  /**
   * Ticks a proposal stays pending after its node stopped leading the proposal's term, waiting for the
   * new leader's log to tell its fate, before it settles as `unknown`. Use the election timeout: a new
   * leader usually commits its first entry, and with it everything it kept, within that time.
   * @default 10
   */
  graceTicks?: number;
}

interface Tracked<T> {
  token: T;
  index: number;
  term: number;
  /** The tracker tick at which this node was seen not leading `term` any more. */
  lostAt: number | undefined;
}

/**
 * Decides the fate of a node's pending proposals from what its own core hands out (Ready soft state,
 * snapshots and committed entries) and ticks — deterministic, no timers, so the simulation and the
 * interaction tests drive the exact code {@link RaftNode} runs.
 *
 * What can be proved, given that a proposal is the entry (index i, term t) appended by the leader of t:
 * - the committed entry at i has term t: it is the proposal (only the leader of t creates entries of term t,
 *   at most one per index) — `applied`; any other term: `dropped` (state machine safety, §5.4.3);
 * - a snapshot at (s, ts) with i <= s: if ts = t, the committed entry at s was created by the leader of t,
 *   whose log held (i, t) when it appended (s, t), so by log matching (§5.3) the committed log holds (i, t):
 *   `appliedResultUnknown`; if ts < t, every committed entry up to s has a term <= ts < t: `dropped`; if
 *   ts > t nothing is known and nothing more will be learnt: `unknown`.
 * - An entry truncated from this node's log is NOT proof of a drop: a later leader that still holds it
 *   may commit it (the Raft paper's Figure 8), so truncation only leaves the proposal pending.
 */
export class ProposalTracker<T> {
  readonly graceTicks: number;
  readonly #pending = new Map<number, Tracked<T>>();
  #leaderTerm: number | null = null;
  #now = 0;

  constructor(options: ProposalTrackerOptions = {}) {
    this.graceTicks = options.graceTicks ?? 10;
  }

  /** Number of proposals still pending. */
  get size(): number {
    return this.#pending.size;
  }

  /** Starts tracking the entry a leader just appended at `index` in `term`. */
  track(index: number, term: number, token: T): void {
    this.#pending.set(index, { token, index, term, lostAt: undefined });
  }

  /** Stops tracking the proposal at `index` (its caller gave up); returns its token. */
  untrack(index: number): T | undefined {
    const p = this.#pending.get(index);
    this.#pending.delete(index);
    return p?.token;
  }

  /**
   * Call with every Ready before applying its committed entries: notes a change of leadership and settles
   * the proposals a received snapshot covers.
   */
  observe(rd: Pick<Ready, "softState" | "snapshot">): SettledProposal<T>[] {
    if (rd.softState) {
      this.#leaderTerm = rd.softState.role === "leader" ? rd.softState.term : null;
      for (const p of this.#pending.values()) {
        if (p.lostAt === undefined && p.term !== this.#leaderTerm) p.lostAt = this.#now;
      }
    }
    return rd.snapshot ? this.#snapshot(rd.snapshot.meta) : [];
  }

  #snapshot(meta: SnapshotMeta): SettledProposal<T>[] {
    const out: SettledProposal<T>[] = [];
    for (const p of this.#pending.values()) {
      if (p.index > meta.index) continue;
      const term = termIn(meta, p.index);
      const outcome: ProposalOutcome =
        term !== undefined
          ? term === p.term
            ? "appliedResultUnknown"
            : "dropped"
          : meta.term === p.term
            ? "appliedResultUnknown"
            : meta.term < p.term
              ? "dropped"
              : "unknown";
      out.push(this.#settle(p, outcome));
    }
    return out;
  }

  /** Call for each committed entry, in order, as it is applied: the proposal it settles, if any. */
  committed(entry: Entry): SettledProposal<T> | undefined {
    const p = this.#pending.get(entry.index);
    if (!p) return undefined;
    return this.#settle(p, p.term === entry.term ? "applied" : "dropped");
  }

  /** Advances the tracker's clock by one tick; returns the proposals whose grace period ran out. */
  tick(): SettledProposal<T>[] {
    this.#now++;
    const out: SettledProposal<T>[] = [];
    for (const p of this.#pending.values()) {
      if (p.lostAt !== undefined && this.#now - p.lostAt >= this.graceTicks)
        out.push(this.#settle(p, "unknown"));
    }
    return out;
  }

  /** Forgets every pending proposal (the node stops); returns their tokens. */
  clear(): T[] {
    const tokens = [...this.#pending.values()].map((p) => p.token);
    this.#pending.clear();
    return tokens;
  }

  #settle(p: Tracked<T>, outcome: ProposalOutcome): SettledProposal<T> {
    this.#pending.delete(p.index);
    return { token: p.token, index: p.index, term: p.term, outcome };
  }
}

/** The term of the committed entry at `index` per the snapshot's term boundaries, if they cover it. */
function termIn(meta: SnapshotMeta, index: number): number | undefined {
  let term: number | undefined;
  for (const [i, t] of meta.terms ?? []) {
    if (i > index) break;
    term = t;
  }
  return term;
}
