import type { Ready } from "./types.js";
import { writeTrace } from "./writeTrace.js";

/** What {@link LeaderSync} needs of its node. */
export interface LeaderSyncHooks {
  /** Makes every write saved so far durable, off the event loop ({@link RaftStorage.sync}). */
  sync: () => Promise<void>;
  /** Reports a Ready's entries durable to the core (`advance`), so the leader's own log joins the quorum. */
  durable: (rd: Ready) => void;
  /** After a batch of Readies became durable: the core may have more to hand out. */
  resume: () => void;
  /** Whether the node has stopped: nothing is reported then. */
  stopped: () => boolean;
  /** A failed sync stops the node, as a failed synced save does. */
  fail: (error: unknown) => Promise<void>;
}

/**
 * A leader's own appends, made durable in the background (Raft thesis §10.2.1). The leader saves a
 * `Ready.durableLater` unsynced and hands it here, then goes on reading its followers' acknowledgements:
 * two followers commit without its write, and its log joins the quorum once the sync reports it durable.
 * One sync runs at a time; Readies saved while it runs wait for the next, which covers them all (a group
 * commit of the leader's own fsyncs).
 */
export class LeaderSync {
  readonly #hooks: LeaderSyncHooks;
  #waiting: Ready[] = [];
  /**
   * Whether a sync loop runs. Cleared by the loop itself in the step that finds nothing more waiting, not a
   * turn later: a Ready added in between (the node's own loop may hand one out synchronously the moment
   * `resume` is called) would otherwise be queued behind a loop that already ended, and never synced.
   */
  #active = false;
  #done: Promise<void> = Promise.resolve();

  constructor(hooks: LeaderSyncHooks) {
    this.#hooks = hooks;
  }

  /** Queues a Ready saved unsynced; starts a sync unless one runs. */
  add(rd: Ready): void {
    this.#waiting.push(rd);
    if (this.#active) return;
    this.#active = true;
    this.#done = this.#loop();
  }

  /** Resolves once no sync runs (before the storage closes its file). */
  async idle(): Promise<void> {
    await this.#done;
  }

  async #loop(): Promise<void> {
    const hooks = this.#hooks;
    try {
      while (this.#waiting.length > 0 && !hooks.stopped()) {
        const written = this.#waiting;
        this.#waiting = [];
        writeTrace?.("leaderFsyncStart", written.at(-1)!.entries.at(-1)?.index ?? 0);
        await hooks.sync();
        writeTrace?.("leaderFsyncEnd", written.at(-1)!.entries.at(-1)?.index ?? 0);
        if (hooks.stopped()) return;
        // In order, and harmless for a Ready whose entries were truncated since (the log ignores those).
        for (const rd of written) hooks.durable(rd);
        hooks.resume();
      }
    } catch (error) {
      await hooks.fail(error);
    } finally {
      this.#active = false;
    }
  }
}
