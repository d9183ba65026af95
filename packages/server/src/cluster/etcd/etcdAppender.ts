import type { Namespace } from "etcd3";
import { type Clock, sleep } from "../../clock.js";
import { unavailable } from "../logErrors.js";
import { etcdKeys, neverSent } from "./etcdClient.js";

/**
 * How long appends go on retrying while no etcd member accepts a connection at all: a killed member is
 * skipped at once (the next attempt goes to another), so this much of nothing but refusals means etcd
 * is down, and callers learn it now rather than at their deadline.
 */
const unreachableMs = 2_000;

/** What became of one append: its revision, or the error after which it may or may not be in the log. */
export type Appended = { revision: number } | { uncertain: unknown };

/**
 * Appends entries to the log key of one node, fenced so that an append whose answer was lost can be
 * settled: each append is a transaction that puts the entry only if the node's fence key
 * (`nodes/<id>/fence`) is unchanged since the node last read it. After a lost answer the node moves its
 * fence ({@link EtcdAppender.fence}); etcd applies transactions in one order, so the lost append either
 * took effect before the fence moved, and is in the log below the fence's revision, or never will. The
 * caller reads the log up to there and knows, and may append again without risking a duplicate.
 */
export class EtcdAppender {
  readonly #space: Namespace;
  readonly #fenceKey: string;
  readonly #clock: Clock;
  readonly #endpoints: string;
  /** The fence's modification revision as this node last knew it (0: no fence key yet). */
  #fence = 0;

  constructor(space: Namespace, nodeId: string, clock: Clock, endpoints: string[]) {
    this.#space = space;
    this.#fenceKey = etcdKeys.fence(nodeId);
    this.#clock = clock;
    this.#endpoints = endpoints.join(", ");
  }

  /**
   * Appends `value`, retrying while it certainly did not reach etcd (no member to connect to, or the
   * fence moved). Throws `AMS_ERR_LOG_UNAVAILABLE` when that lasts until `deadline`, or for a while with
   * no member reachable at all.
   */
  async append(value: string, deadline: number, isClosed: () => boolean): Promise<Appended> {
    let unreachableSince: number | undefined;
    for (;;) {
      if (isClosed()) throw unavailable("The server is shutting down; try again on another node.");
      const now = this.#clock.now();
      if (now >= deadline || (unreachableSince !== undefined && now - unreachableSince >= unreachableMs)) {
        throw unavailable(
          `No etcd member (${this.#endpoints}) took the command${unreachableSince === undefined ? "" : ` (none could be reached for ${now - unreachableSince} ms)`}; it was not applied, try again.`,
        );
      }
      try {
        const { succeeded, header } = await this.#space
          .if(this.#fenceKey, "Mod", "==", this.#fence)
          .then(this.#space.put(etcdKeys.log).value(value))
          .options({ deadline: Date.now() + (deadline - now) })
          .commit();
        if (succeeded) return { revision: Number(header.revision) };
        // The fence moved (this node's own {@link fence}, or an earlier incarnation's): nothing was put.
        this.#fence = await this.#readFence();
        continue;
      } catch (error) {
        if (!neverSent(error)) return { uncertain: error };
        unreachableSince ??= now;
      }
      await sleep(this.#clock, Math.min(100, Math.max(0, deadline - this.#clock.now())));
    }
  }

  /**
   * Moves the fence: no append begun before can take effect from now on. Resolves with the revision of
   * the newest log entry at that moment (once it is applied, every earlier append of this node that took
   * effect has been applied too), or undefined when etcd could not be written to for `unreachableMs` or
   * until `deadline` (moving the fence again is harmless, so any failure is retried until then).
   */
  async fence(deadline: number): Promise<number | undefined> {
    const giveUpAt = Math.min(deadline, this.#clock.now() + unreachableMs);
    for (;;) {
      try {
        const { header } = await this.#space
          .put(this.#fenceKey)
          .value("")
          .options({ deadline: Date.now() + Math.max(0, giveUpAt - this.#clock.now()) })
          .exec();
        this.#fence = Number(header.revision);
        const { kvs } = await this.#space.get(etcdKeys.log).revision(header.revision).exec();
        return Number(kvs[0]?.mod_revision ?? 0);
      } catch {
        if (this.#clock.now() >= giveUpAt) return undefined;
      }
      await sleep(this.#clock, 100);
    }
  }

  async #readFence(): Promise<number> {
    const { kvs } = await this.#space.get(this.#fenceKey).exec();
    return Number(kvs[0]?.mod_revision ?? 0);
  }
}
