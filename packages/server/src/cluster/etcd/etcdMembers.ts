import type { Namespace } from "etcd3";
import { z } from "zod";
import { type Clock, monotonicNow } from "../../clock.js";
import type { Coordination } from "../engine.js";
import type { ClusterTiming } from "../timing.js";
import { etcdKeys } from "./etcdClient.js";

/** A registered node as the last read of `members/` saw it. */
export interface EtcdMember {
  id: string;
  /** When its registration key was created: the oldest registered node coordinates. */
  since: number;
  /** Where it serves the internal endpoints (`/_cluster/*`), from its registration; none if unreadable. */
  url: string | undefined;
}

/**
 * The value of a registration: the node's addresses. `internalUrl` when it serves the internal endpoints
 * on a listener of their own (mutual TLS), else they are on its API.
 */
const registrationSchema = z.object({ apiUrl: z.string(), internalUrl: z.string().optional() });

/** Where a registration says the node serves its internal endpoints; undefined for a value not one. */
function internalUrlOf(value: string): string | undefined {
  try {
    const parsed = registrationSchema.safeParse(JSON.parse(value));
    return parsed.success ? (parsed.data.internalUrl ?? parsed.data.apiUrl) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Balancing on etcd: the registered nodes are those whose `members/<id>` key exists (its lease alive);
 * the one registered first (lowest create revision, etcd's election recipe) balances. Each round reads
 * `members/` with a quorum read.
 *
 * Two nodes may briefly both believe they coordinate (one read before, one after a change): that is
 * harmless, since grants are commands in the one log, applied in order and fenced by the state machine,
 * and a node whose key is gone cannot be running anything (see `EtcdRegistration`).
 */
export class EtcdMembers implements Coordination {
  readonly #space: Namespace;
  readonly #nodeId: string;
  readonly #clock: Clock;
  readonly #stableMs: number;
  #members: EtcdMember[] = [];
  /** When each registered node was first seen registered without a gap, here (monotonic). */
  readonly #seenSince = new Map<string, number>();

  constructor(space: Namespace, nodeId: string, clock: Clock, timing: Pick<ClusterTiming, "stableMs">) {
    this.#space = space;
    this.#nodeId = nodeId;
    this.#clock = clock;
    this.#stableMs = timing.stableMs;
  }

  /** The registered nodes as of the last refresh, oldest first. */
  get members(): readonly EtcdMember[] {
    return this.#members;
  }

  /** Reads who is registered now. */
  async refresh(): Promise<void> {
    const { kvs } = await this.#space.getAll().prefix(etcdKeys.members).exec();
    const now = this.now();
    this.#members = kvs
      .map((kv) => ({
        id: kv.key.toString().slice(etcdKeys.members.length),
        since: Number(kv.create_revision),
        url: internalUrlOf(kv.value.toString()),
      }))
      .sort((a, b) => a.since - b.since);
    const ids = new Set(this.#members.map((m) => m.id));
    for (const id of this.#seenSince.keys()) if (!ids.has(id)) this.#seenSince.delete(id);
    for (const id of ids) if (!this.#seenSince.has(id)) this.#seenSince.set(id, now);
  }

  /** The node that coordinates, as of the last refresh. */
  get coordinator(): string | undefined {
    return this.#members[0]?.id;
  }

  async isCoordinator(): Promise<boolean> {
    await this.refresh();
    return this.coordinator === this.#nodeId;
  }

  now(): number {
    return monotonicNow(this.#clock);
  }

  /** Where to reach every other registered node, as of the last refresh. */
  others(): { node: string; url: string }[] {
    return this.#members.flatMap((m) =>
      m.id === this.#nodeId || m.url === undefined ? [] : [{ node: m.id, url: m.url }],
    );
  }

  nodes(): readonly string[] {
    return this.#members.map((m) => m.id);
  }

  isLive(node: string): boolean {
    return this.#seenSince.has(node);
  }

  isStable(node: string, now: number): boolean {
    const since = this.#seenSince.get(node);
    return since !== undefined && now - since >= this.#stableMs;
  }
}
