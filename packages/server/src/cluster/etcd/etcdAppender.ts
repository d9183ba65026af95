import { AmstaffError } from "@amstaff/core";
import type { Namespace } from "etcd3";
import { type Clock, sleep } from "../../clock.js";
import { unavailable } from "../logErrors.js";
import { attemptDeadline, retryIdempotent, unreachableMs } from "./etcdAttempts.js";
import { etcdKeys, neverSent } from "./etcdClient.js";

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
  readonly #attemptMs: number;
  /** The fence's modification revision as this node last knew it (0: no fence key yet). */
  #fence = 0;

  constructor(space: Namespace, nodeId: string, clock: Clock, endpoints: string[], attemptMs: number) {
    this.#space = space;
    this.#fenceKey = etcdKeys.fence(nodeId);
    this.#clock = clock;
    this.#endpoints = endpoints.join(", ");
    this.#attemptMs = attemptMs;
  }

  /**
   * Appends `value`, retrying while it certainly did not reach etcd (no member to connect to, or the
   * fence moved). Throws `AMS_ERR_LOG_UNAVAILABLE` when that lasts until `deadline`, or for a while with
   * no member reachable at all. Each write has a deadline of its own, `attemptMs × 2^round` (`round`:
   * the appends of this command whose answer was lost so far): a write that runs out is settled through
   * the fence and appended again, well before etcd's own request timeout. With `requires`, the entry is
   * appended only while that key exists (a staged entry's chunks), and refused for good once it is gone.
   */
  async append(
    value: string,
    deadline: number,
    isClosed: () => boolean,
    round: number,
    requires?: string,
  ): Promise<Appended> {
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
        const fenced = this.#space.if(this.#fenceKey, "Mod", "==", this.#fence);
        if (requires !== undefined) fenced.and(requires, "Version", ">", 0);
        const { succeeded, header } = await fenced
          .then(this.#space.put(etcdKeys.log).value(value))
          .options({ deadline: attemptDeadline(this.#clock, deadline, this.#attemptMs * 2 ** round) })
          .commit();
        if (succeeded) return { revision: Number(header.revision) };
        // The fence moved (this node's own {@link fence}, or an earlier incarnation's), or what the entry
        // requires is gone: nothing was put.
        const fence = await this.#readFence();
        if (fence === this.#fence && requires !== undefined) {
          throw unavailable("The command's staged chunks expired in etcd before it was appended; try again.");
        }
        this.#fence = fence;
        continue;
      } catch (error) {
        if (error instanceof AmstaffError) throw error;
        if (!neverSent(error)) return { uncertain: error };
        unreachableSince ??= now;
      }
      await sleep(this.#clock, Math.min(100, Math.max(0, deadline - this.#clock.now())));
    }
  }

  /**
   * Moves the fence: no append begun before can take effect from now on. Resolves with the revision of
   * the newest log entry at that moment (once it is applied, every earlier append of this node that took
   * effect has been applied too), or undefined when no member could be reached for `unreachableMs`, or
   * the fence did not move by `deadline` (moving it again is harmless, so any failure is retried).
   */
  async fence(deadline: number): Promise<number | undefined> {
    try {
      return await retryIdempotent(this.#clock, deadline, this.#attemptMs, async (grpcDeadline) => {
        const { header } = await this.#space
          .put(this.#fenceKey)
          .value("")
          .options({ deadline: grpcDeadline })
          .exec();
        this.#fence = Number(header.revision);
        const { kvs } = await this.#space
          .get(etcdKeys.log)
          .revision(header.revision)
          .options({ deadline: grpcDeadline })
          .exec();
        return Number(kvs[0]?.mod_revision ?? 0);
      });
    } catch {
      return undefined;
    }
  }

  /**
   * The revision of the newest log entry, by a linearizable read (retried as {@link fence} is). Throws
   * the last error when it cannot be read by `deadline`.
   */
  async newest(deadline: number): Promise<number> {
    return retryIdempotent(this.#clock, deadline, this.#attemptMs, async (grpcDeadline) => {
      const { kvs } = await this.#space.get(etcdKeys.log).options({ deadline: grpcDeadline }).exec();
      return Number(kvs[0]?.mod_revision ?? 0);
    });
  }

  async #readFence(): Promise<number> {
    const { kvs } = await this.#space.get(this.#fenceKey).exec();
    return Number(kvs[0]?.mod_revision ?? 0);
  }
}
