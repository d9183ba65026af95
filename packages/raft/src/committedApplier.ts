import { decodeConfChange } from "./confChange.js";
import type { PendingReads } from "./pendingReads.js";
import type { PendingProposal } from "./proposalBatch.js";
import type { ProposalTracker } from "./proposalTracker.js";
import type { RaftCore } from "./raft.js";
import { settleProposal } from "./raftNodeErrors.js";
import type { CommandCodec, StateMachine } from "./raftNodeOptions.js";
import type { SnapshotScheduler } from "./snapshotScheduler.js";
import { andThen, isPromiseLike, type Step } from "./steps.js";
import { type ConfState, type Entry, EntryType, type Ready, type Snapshot } from "./types.js";
import { writeTrace } from "./writeTrace.js";

/** What a {@link CommittedApplier} needs of its node besides the parts it shares. */
export interface CommittedApplierHost {
  /** Whether the node stopped: what is left of a Ready stays unapplied. */
  stopped(): boolean;
  /** Lets the event loop turn once the node's loop has run long enough; undefined while it need not. */
  breathe(): Promise<void> | undefined;
  /** The applied membership changed (a received snapshot, a committed configuration change). */
  membership(conf: ConfState): void;
}

/** The parts of a node a {@link CommittedApplier} works on. */
export interface CommittedApplierParts<C, R> {
  core: RaftCore;
  stateMachine: StateMachine<C, R>;
  codec: CommandCodec<C>;
  proposals: ProposalTracker<PendingProposal>;
  snapshots: SnapshotScheduler;
  reads: PendingReads;
}

/**
 * The applying half of a node's Ready: restores a received snapshot, applies the committed entries in
 * order and settles the proposals they decide, then answers the reads that waited for them. Synchronous
 * while the state machine is; it continues after the first `restore` or `apply` that returns a promise.
 */
export class CommittedApplier<C, R> {
  readonly #parts: CommittedApplierParts<C, R>;
  readonly #host: CommittedApplierHost;

  constructor(parts: CommittedApplierParts<C, R>, host: CommittedApplierHost) {
    this.#parts = parts;
    this.#host = host;
  }

  /** Applies `rd`'s snapshot and committed entries and answers its reads; a promise only if a step is async. */
  apply(rd: Ready): Step {
    if (rd.committedEntries.length > 0) writeTrace?.("commit", rd.committedEntries.at(-1)!.index);
    if (rd.snapshot) return this.#restore(rd.snapshot).then(() => this.#applyFrom(rd, 0));
    return this.#applyFrom(rd, 0);
  }

  async #restore(snapshot: Snapshot): Promise<void> {
    const { snapshots, stateMachine, proposals } = this.#parts;
    // A local snapshot still encoding reads the state machine: replace the state only once it is done.
    await snapshots.beforeRestore();
    await stateMachine.restore(snapshot.data);
    snapshots.restored(snapshot.data.length);
    this.#host.membership(snapshot.meta.conf);
    for (const s of proposals.observe({ snapshot })) settleProposal(s);
  }

  /** Applies `rd`'s committed entries from the `from`-th on, then answers its reads. */
  #applyFrom(rd: Ready, from: number): Step {
    const { core, proposals, snapshots, reads } = this.#parts;
    const entries = rd.committedEntries;
    for (let i = from; i < entries.length; i++) {
      const e = entries[i]!;
      snapshots.applied(e.data.length);
      const settled = proposals.committed(e);
      if (settled && settled.outcome !== "applied") settleProposal(settled);
      const mine = settled?.outcome === "applied" ? settled.token : undefined;
      if (e.type === EntryType.ConfChange) {
        void decodeConfChange(e.data);
        this.#host.membership(core.conf());
        mine?.resolve(undefined);
      } else if (e.data.length > 0) {
        const applied = this.#applyEntry(e, mine);
        // The state is a prefix of the log at every turn; a stop meanwhile leaves the rest unapplied.
        const next = andThen(applied, () => this.#host.breathe());
        if (next) return next.then(() => (this.#host.stopped() ? undefined : this.#applyFrom(rd, i + 1)));
        if (this.#host.stopped()) return;
      } else {
        mine?.resolve(undefined);
      }
    }
    reads.confirm(rd.readStates, core.applied);
  }

  /** Applies one command and settles its proposer; a promise only if the state machine returned one. */
  #applyEntry(e: Entry, mine: PendingProposal | undefined): Step {
    const { stateMachine, codec } = this.#parts;
    let result: R | PromiseLike<R>;
    try {
      result = stateMachine.apply(codec.decode(e.data), e.index);
    } catch (error) {
      // A deterministic state machine fails identically everywhere; report it to the proposer only.
      mine?.reject(error as Error);
      return;
    }
    if (!isPromiseLike(result)) {
      writeTrace?.("apply", e.index);
      mine?.resolve(result);
      return;
    }
    return Promise.resolve(result).then(
      (value) => {
        writeTrace?.("apply", e.index);
        mine?.resolve(value);
      },
      (error: unknown) => mine?.reject(error as Error),
    );
  }
}
