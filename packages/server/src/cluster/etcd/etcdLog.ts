import { AmstaffError, describeError } from "@amstaff/core";
import type { Etcd3, IKeyValue, Namespace, Watcher } from "etcd3";
import { type Clock, every, sleep, systemClock } from "../../clock.js";
import type { Command } from "../../state/commands.js";
import type { ReplicatedLog } from "../../state/replicatedLog.js";
import type { ApplyResult } from "../../state/stateMachine.js";
import { outcomeUnknown, unavailable } from "../logErrors.js";
import { defaultSnapshotPolicy } from "../raftLog.js";
import { EtcdAppender } from "./etcdAppender.js";
import { defaultAttemptMs } from "./etcdAttempts.js";
import { defaultChunkBytes } from "./etcdChunks.js";
import { connectEtcd, etcdKeys, isCompacted } from "./etcdClient.js";
import type { EtcdLogOptions } from "./etcdLogOptions.js";
import { loadSnapshot } from "./etcdSnapshots.js";
import { type ReadEntry, readEntry, type Staged, stageCommand } from "./etcdStaging.js";
import { EtcdSteps } from "./etcdSteps.js";
import { EtcdUpkeep } from "./etcdUpkeep.js";
import { Waiters } from "./etcdWaiters.js";

export type { EtcdLogOptions } from "./etcdLogOptions.js";

/**
 * The server's log on etcd (issue 17): the same deterministic state machine as on Raft, fed by a totally
 * ordered log kept in etcd.
 *
 * The log is ONE key, `<prefix>/log`, and its successive values are the entries: each `propose` puts the
 * key once (in a transaction fenced per node, see {@link EtcdAppender}), the put's revision is the entry's
 * log index, and every node watches that key from the revision after the last one it applied, applying
 * the values in revision order. One key rather than a key per entry because etcd then gives everything
 * the log needs by itself: revisions order the entries (with gaps where other keys changed: indexes
 * only need to grow); a linearizable read of the one key returns the newest entry's revision (the read
 * barrier); and compaction alone discards old entries, with no keys to delete. The cost: entries exist
 * only in etcd's history, so a node that fell behind etcd's compaction catches up from the snapshot.
 *
 * Snapshots: once the entries a node applied since its last snapshot weigh as much as that snapshot
 * (`snapshotPolicy`, the Raft engine's policy), it encodes its state machine in slices with applying held
 * (see {@link EtcdSteps}) and stores it with the revision it covers (`<prefix>/snapshot/…`, as chunks
 * published by a manifest, never replacing a newer one: see `etcdSnapshots.ts`). A node starts from the
 * stored snapshot and watches from the revision after it; a node whose watch falls below etcd's
 * compaction does the same.
 *
 * Large commands: an entry larger than `chunkBytes` (an import of a large state) would exceed etcd's
 * request limit, so its command is staged as chunks and the entry only names them; every node reads them
 * at the entry's revision before applying it (see `etcdStaging.ts`).
 *
 * Compaction never outruns the slowest live node: each records its applied revision under a lease
 * (`<prefix>/nodes/<id>/applied`), and nodes compact at min(applied revisions, snapshot's revision).
 *
 * Errors, as on Raft: `AMS_ERR_LOG_UNAVAILABLE` when the command certainly did not reach the log (no
 * member could be connected to for 2 s, or until the deadline); `AMS_ERR_LOG_OUTCOME_UNKNOWN` when a
 * write's answer was lost and its fate could not be settled by the deadline (an answer lost while etcd
 * stays up is settled through the fence, and the command appended again if it was not);
 * `AMS_ERR_LOG_RESULT_UNKNOWN` when the entry is committed in etcd but this node cannot tell its result
 * (it caught up from a snapshot past it, or did not apply it by the deadline).
 */
export class EtcdLog implements ReplicatedLog {
  readonly #opts: EtcdLogOptions;
  readonly #clock: Clock;
  readonly #client: Etcd3;
  readonly #space: Namespace;
  readonly #upkeep: EtcdUpkeep;
  readonly #appender: EtcdAppender;
  /** Proposals of this node awaiting their entry, by entry id; the result once applied. */
  readonly #pending = new Map<string, ApplyResult | undefined>();
  /** Called after each applied entry or restored snapshot, and on close. */
  readonly #waiters: Waiters;
  readonly #incarnation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  #sequence = 0;
  #applied = 0;
  /** Snapshots restored so far (entries skipped, their results unknown here). */
  #restores = 0;
  #watcher: Watcher | undefined;
  /**
   * Applies entries one at a time, in revision order (a staged entry's command is read first), restores
   * snapshots and encodes them, in 10 ms slices.
   */
  readonly #steps: EtcdSteps;
  #stopMaintenance: () => void = () => undefined;
  #closed = false;
  /** An entry failed to apply: nothing after it is applied. */
  #halted = false;

  private constructor(opts: EtcdLogOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#waiters = new Waiters(this.#clock, () => this.#closed);
    this.#steps = new EtcdSteps((error) => {
      // Going on past an entry it did not apply would make this node's state differ from the others'.
      this.#halted = true;
      opts.logger.error(
        { err: describeError(error), applied: this.#applied },
        "etcd log: applying an entry failed; this node applies nothing more until it restarts",
      );
    });
    const { client, space } = connectEtcd(opts);
    this.#client = client;
    this.#space = space;
    this.#upkeep = new EtcdUpkeep(space, opts.nodeId, {
      ttlSeconds: opts.appliedTtlSeconds ?? 10,
      snapshots: {
        policy: opts.snapshotPolicy ?? defaultSnapshotPolicy,
        everyEntries: opts.snapshotEntries,
      },
      chunkBytes: this.#chunkBytes,
      logger: opts.logger,
    });
    this.#appender = new EtcdAppender(
      space,
      opts.nodeId,
      this.#clock,
      opts.endpoints,
      opts.attemptTimeoutMs ?? defaultAttemptMs,
    );
  }

  /** Connects, restores the stored snapshot (if any) and starts watching the log after it. */
  static async open(opts: EtcdLogOptions): Promise<EtcdLog> {
    const log = new EtcdLog(opts);
    try {
      await log.#catchUp();
    } catch (error) {
      log.#client.close();
      // A damaged snapshot is refused as such; anything else is etcd being out of reach.
      if (error instanceof AmstaffError) throw error;
      throw unavailable(
        `etcd (${opts.endpoints.join(", ")}) could not be read: ${describeError(error)}`,
        error,
      );
    }
    log.#stopMaintenance = every(log.#clock, opts.maintenanceMs ?? 1_000, () => void log.maintain());
    return log;
  }

  get #chunkBytes(): number {
    return this.#opts.chunkBytes ?? defaultChunkBytes;
  }

  get nodeId(): string {
    return this.#opts.nodeId;
  }

  /** This cluster's part of etcd's key space (its prefix), on the log's connection. */
  get space(): Namespace {
    return this.#space;
  }

  /** The revision of the last log entry this node applied (or that its snapshot covers). */
  get appliedRevision(): number {
    return this.#applied;
  }

  /**
   * Appends a command to the log in etcd and resolves with its result once this node applied it. Settles
   * within `proposeTimeoutMs`, with the errors described on {@link EtcdLog}.
   */
  async propose(command: Command): Promise<ApplyResult> {
    const timeoutMs = this.#opts.proposeTimeoutMs ?? 10_000;
    const deadline = this.#clock.now() + timeoutMs;
    const id = `${this.#opts.nodeId}/${this.#incarnation}/${++this.#sequence}`;
    let value = JSON.stringify({ id, command });
    let staged: Staged | undefined;
    if (Buffer.byteLength(value) > this.#chunkBytes) {
      staged = await stageCommand(this.#space, id, JSON.stringify(command), this.#chunkBytes).catch(
        (error: unknown) => {
          throw unavailable(`The command could not be staged in etcd: ${describeError(error)}`, error);
        },
      );
      value = staged.value;
    }
    this.#pending.set(id, undefined);
    try {
      for (let round = 0; ; round++) {
        const closed = () => this.#closed;
        const appended = await this.#appender.append(value, deadline, closed, round, staged?.requires);
        if ("revision" in appended) return await this.#resultOf(id, appended.revision, deadline, timeoutMs);
        if (!(await this.#settle(id, deadline))) {
          throw outcomeUnknown(
            "etcd did not answer the write, and could not be reached to learn whether it took effect.",
            appended.uncertain,
          );
        }
        const result = this.#pending.get(id);
        if (result !== undefined) return result;
        // Certainly not in the log: appending again cannot apply it twice.
      }
    } finally {
      this.#pending.delete(id);
      await staged?.release();
    }
  }

  /** Waits until this node applied the entry at `revision` and returns its result. */
  async #resultOf(id: string, revision: number, deadline: number, timeoutMs: number): Promise<ApplyResult> {
    await this.#waiters.until(
      () => this.#pending.get(id) !== undefined || this.#applied >= revision,
      deadline,
    );
    const result = this.#pending.get(id);
    if (result !== undefined) return result;
    throw new AmstaffError(
      "AMS_ERR_LOG_RESULT_UNKNOWN",
      this.#applied >= revision
        ? "The command was committed and applied, but this node caught up from a snapshot past it and cannot tell its result; do not repeat it, read the state instead."
        : `The command was committed in etcd (revision ${revision}) but this node did not apply it within ${timeoutMs} ms; do not repeat it, read the state instead.`,
    );
  }

  /**
   * After an append whose answer was lost: moves this node's fence and applies the log up to it. Resolves
   * true when the entry's fate is then known (its result is pending, or it certainly is not in the log),
   * false when it is not (no fence by the deadline, or a snapshot skipped past the entry).
   */
  async #settle(id: string, deadline: number): Promise<boolean> {
    const restores = this.#restores;
    const upTo = await this.#appender.fence(deadline);
    if (upTo === undefined) return false;
    await this.#waiters.until(() => this.#pending.get(id) !== undefined || this.#applied >= upTo, deadline);
    return this.#pending.get(id) !== undefined || (this.#applied >= upTo && this.#restores === restores);
  }

  /** Resolves once this node applied `revision`; rejects with `AMS_ERR_LOG_UNAVAILABLE` after `timeoutMs`. */
  async waitApplied(revision: number, timeoutMs: number): Promise<void> {
    await this.#waiters.until(() => this.#applied >= revision, this.#clock.now() + timeoutMs);
    if (this.#applied < revision) {
      throw unavailable(`This node has not caught up with the log in etcd (revision ${revision}).`);
    }
  }

  /**
   * A linearizable read barrier: a quorum read of the log key gives the revision of the newest entry
   * committed before the read, and this node then waits until it applied it.
   */
  async readBarrier(timeoutMs = 5_000): Promise<void> {
    const deadline = this.#clock.now() + timeoutMs;
    let revision: number;
    try {
      revision = await this.#appender.newest(deadline);
    } catch (error) {
      throw unavailable("etcd could not be read; a consistent read is impossible now.", error);
    }
    await this.waitApplied(revision, Math.max(0, deadline - this.#clock.now()));
  }

  /** Restores the stored snapshot when it is ahead of this node, then (re)starts the watch after it. */
  async #catchUp(): Promise<void> {
    const snapshot = await loadSnapshot(this.#space);
    // A step: after the entries queued before it, and never while a snapshot of this node encodes.
    await this.#steps.run(() => {
      if (snapshot === undefined || snapshot.revision <= this.#applied) return;
      this.#opts.machine.restore(snapshot.data);
      this.#applied = snapshot.revision;
      this.#upkeep.restored(snapshot.data.byteLength);
      this.#restores++;
      this.#waiters.notify();
    });
    const watcher = await this.#space
      .watch()
      .key(etcdKeys.log)
      .startRevision(String(this.#applied > 0 ? this.#applied + 1 : await this.#firstRevision()))
      .create();
    watcher.on("put", (kv) => this.#steps.push(() => this.#apply(kv, watcher)));
    // Cancelled by etcd, typically because the start revision was compacted: catch up again.
    watcher.on("error", (error) => void this.#recover(watcher, error));
    if (this.#closed) await watcher.cancel();
    else this.#watcher = watcher;
  }

  /**
   * Where a node with nothing applied starts: the log key is never deleted, so its creation revision is
   * the first entry; with no entry yet, the revision after this (quorum) read.
   */
  async #firstRevision(): Promise<number> {
    const { header, kvs } = await this.#space.get(etcdKeys.log).exec();
    const kv = kvs[0];
    return kv === undefined ? Number(header.revision) + 1 : Number(kv.create_revision);
  }

  /** After etcd cancelled the watch (the library already dropped it): catches up and watches anew. */
  async #recover(failed: Watcher, error: unknown): Promise<void> {
    if (this.#watcher !== failed) return;
    this.#watcher = undefined;
    const stuckAt = this.#applied;
    // Not at once: if no newer snapshot is stored (etcd compacted by someone else, past this cluster's
    // snapshot), the new watch is cancelled again.
    await sleep(this.#clock, 200);
    this.#opts.logger.warn(
      { err: describeError(error), applied: stuckAt },
      "etcd log: the watch was cancelled (compacted past this node?); catching up from the snapshot",
    );
    while (!this.#closed) {
      try {
        await this.#catchUp();
        return;
      } catch (retry) {
        this.#opts.logger.warn({ err: describeError(retry) }, "etcd log: catching up failed; retrying");
        await sleep(this.#clock, 1_000);
      }
    }
  }

  /**
   * Applies one entry of `watcher`'s (skipped when a restored snapshot covers it, or the watch was
   * replaced). Reading a staged command is retried until it succeeds; if etcd compacted its revision
   * away (this node fell behind), the node catches up from the snapshot instead.
   */
  async #apply(kv: IKeyValue, watcher: Watcher): Promise<void> {
    const revision = Number(kv.mod_revision);
    let entry: ReadEntry | undefined;
    while (entry === undefined) {
      if (revision <= this.#applied || this.#closed || this.#halted || this.#watcher !== watcher) return;
      try {
        entry = await readEntry(this.#space, kv);
      } catch (error) {
        if (isCompacted(error)) {
          await watcher.cancel().catch(() => undefined);
          void this.#recover(watcher, error);
          return;
        }
        this.#opts.logger.warn(
          { err: describeError(error), revision },
          "etcd log: reading an entry failed; retrying",
        );
        await sleep(this.#clock, 500);
      }
    }
    if (revision <= this.#applied || this.#watcher !== watcher) return;
    const result = this.#opts.machine.apply(entry.command, revision);
    this.#applied = revision;
    this.#upkeep.applied(entry.bytes);
    if (entry.id !== undefined && this.#pending.has(entry.id)) this.#pending.set(entry.id, result);
    this.#waiters.notify();
  }

  /**
   * One round of upkeep (see {@link EtcdUpkeep}): records the applied revision, stores a due snapshot,
   * compacts. Runs every `maintenanceMs`; tests call it to run one now.
   */
  async maintain(): Promise<void> {
    if (this.#closed) return;
    await this.#upkeep.run({
      applied: () => this.#applied,
      held: (work) => this.#steps.run(work),
      // A halted node's state may hold part of the entry that failed: it must not be stored as a snapshot.
      encode: () =>
        this.#halted
          ? Promise.reject(new Error("this node stopped applying after an entry failed"))
          : this.#opts.machine.snapshotInSlices(),
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopMaintenance();
    this.#waiters.notify();
    await this.#watcher?.cancel().catch(() => undefined);
    await this.#upkeep.close().catch(() => undefined);
    this.#client.close();
  }
}
