import type { Clock } from "../clock.js";
import { monitorKey } from "../state/monitorKey.js";
import { addDays, type DayCounts, dayOf } from "./dailyUptime.js";

/** What a node is asked for: some monitors' days in `[fromDay, toDay]` (UTC days since the epoch). */
export interface UptimeDaysRequest {
  monitors: [module: string, monitor: string][];
  fromDay: number;
  toDay: number;
}

/** Each monitor's days, in the order of the request's monitors. */
export type UptimeDaysReply = DayCounts[][];

/** Options of {@link UptimeDays}. */
export interface UptimeDaysOptions {
  clock: Clock;
  /** This node's history (absent: a node that keeps none). */
  history?:
    | { days(module: string, monitor: string, fromDay: number, toDay: number): DayCounts[] }
    | undefined;
  /**
   * Asks the other nodes of the cluster (their answers; a node that does not answer is left out). A
   * monitor's history is on every node that ran it: the owner now, and those before a failover.
   */
  peers?: ((request: UptimeDaysRequest) => Promise<UptimeDaysReply[]>) | undefined;
  /** How long a page's days are reused before the nodes are asked again. @default 60000 */
  ttlMs?: number | undefined;
  /** At most this many cached answers (the oldest go first). @default 256 */
  maxEntries?: number | undefined;
}

/**
 * The daily uptime of monitors across the cluster, for the status pages' 90-day bars and badges: this
 * node's daily summary plus every other node's, summed (counts add), cached for `ttlMs` so that a page
 * view costs nothing and the nodes are asked at most once a minute per page, whatever its traffic.
 */
export class UptimeDays {
  readonly #options: UptimeDaysOptions;
  readonly #cache = new Map<
    string,
    { at: number; days: Promise<Map<string, DayCounts[]>>; settled?: boolean }
  >();

  constructor(options: UptimeDaysOptions) {
    this.#options = options;
  }

  /** This node's part: what it answers the others. */
  local(request: UptimeDaysRequest): UptimeDaysReply {
    const history = this.#options.history;
    return request.monitors.map(([module, monitor]) =>
      history ? history.days(module, monitor, request.fromDay, request.toDay) : [],
    );
  }

  /**
   * The last `days` UTC days (today included) of each monitor, by {@link monitorKey}, summed over the
   * cluster's nodes; a monitor without samples has an empty list.
   */
  async get(
    monitors: readonly { module: string; monitor: string }[],
    days: number,
  ): Promise<Map<string, DayCounts[]>> {
    const now = this.#options.clock.now();
    const toDay = dayOf(now);
    const unique = new Map(monitors.map((m) => [monitorKey(m.module, m.monitor), m]));
    const cacheKey = `${toDay}:${days}:${[...unique.keys()].sort().join("\n")}`;
    const cached = this.#cache.get(cacheKey);
    if (cached && now - cached.at < (this.#options.ttlMs ?? 60_000)) return cached.days;
    const request: UptimeDaysRequest = {
      monitors: [...unique.values()].map((m) => [m.module, m.monitor]),
      fromDay: toDay - days + 1,
      toDay,
    };
    const answer = this.#ask(request);
    const entry = { at: now, days: answer };
    // An answer that expired is still served while the next one is asked for (the day's bar a minute
    // old), so a page view never waits on a slow node once the page was viewed today.
    const stale = cached?.settled;
    this.#cache.delete(cacheKey);
    this.#cache.set(cacheKey, stale ? { ...cached, at: now } : entry);
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= (this.#options.maxEntries ?? 256)) break;
      this.#cache.delete(key);
    }
    answer.then(
      (days) => {
        if (this.#cache.get(cacheKey)?.at === now)
          this.#cache.set(cacheKey, { at: now, days: Promise.resolve(days), settled: true });
      },
      // A failed round is not kept: the next view asks again.
      () => {
        if (!stale) this.#cache.delete(cacheKey);
      },
    );
    return stale ? cached.days : answer;
  }

  async #ask(request: UptimeDaysRequest): Promise<Map<string, DayCounts[]>> {
    const replies = [this.local(request), ...((await this.#options.peers?.(request)) ?? [])];
    const result = new Map<string, DayCounts[]>();
    request.monitors.forEach(([module, monitor], i) => {
      const key = monitorKey(module, monitor);
      let sum = result.get(key) ?? [];
      for (const reply of replies) {
        const rows = (reply[i] ?? []).filter((r) => r[0] >= request.fromDay && r[0] <= request.toDay);
        sum = addDays(sum, rows);
      }
      result.set(key, sum);
    });
    return result;
  }
}
