import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AmstaffError, describeError, isAmstaffError } from "@amstaff/core";
import type { NodeId } from "@amstaff/raft";
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../clock.js";
import { errorResponse } from "../http/httpErrors.js";
import { type Command, commandSchema } from "../state/commands.js";
import type { StateMachine } from "../state/stateMachine.js";
import type { ClusterHttp } from "./clusterHttp.js";
import { isNotLeader, type RaftLog, withTimeout } from "./raftLog.js";

/**
 * The timing of ownership leases and of Raft elections. The safety argument needs
 * `leaseMs < reassignAfterMs` with margin for clock-rate drift and process stalls between nodes, and
 * `electionTimeoutMs < leaseMs`: see {@link Cluster}. Failover takes about `reassignAfterMs` after a
 * follower dies, and `reassignAfterMs` plus up to `electionTimeoutMs` after the leader dies.
 */
export interface ClusterTiming {
  /** How often a node renews its lease with the leader (and at once when a new leader is known). @default 100 */
  renewEveryMs: number;
  /**
   * How long a renewal lets a node run its modules, counted from when it *sent* the renewal. Must outlast
   * an election (up to twice `electionTimeoutMs`) plus a renewal, so that owners keep sampling while the
   * cluster elects a new leader. @default 800
   */
  leaseMs: number;
  /**
   * The leader moves a node's modules after hearing no renewal from it for this long; the difference with
   * `leaseMs` is the margin for clock drift and stalls. @default 1000
   */
  reassignAfterMs: number;
  /** A node must have renewed continuously this long before modules are moved to it to rebalance. @default 3000 */
  stableMs: number;
  /** How often the leader checks ownership. @default 100 */
  balanceEveryMs: number;
  /**
   * Raft's minimum election timeout (the timeout is randomized in [t, 2t)); heartbeats go every 50 ms.
   * A node that heard from the leader votes for no one else for this long, which bounds the leases an
   * old leader can have granted. Rounded to whole 50 ms ticks. @default 250
   */
  electionTimeoutMs: number;
}

/** The default {@link ClusterTiming}. */
export const defaultClusterTiming: ClusterTiming = {
  renewEveryMs: 100,
  leaseMs: 800,
  reassignAfterMs: 1_000,
  stableMs: 3_000,
  balanceEveryMs: 100,
  electionTimeoutMs: 250,
};

/** Milliseconds per Raft tick: heartbeats go every tick, and election timeouts are whole ticks. */
export const raftTickMs = 50;

/** The Raft election timeout, in ticks, of a {@link ClusterTiming}. */
export function electionTicksOf(timing: Partial<ClusterTiming> | undefined): number {
  const ms = timing?.electionTimeoutMs ?? defaultClusterTiming.electionTimeoutMs;
  return Math.max(2, Math.round(ms / raftTickMs));
}

/** What a {@link Cluster} works with. */
export interface ClusterDeps {
  nodeId: NodeId;
  log: RaftLog;
  machine: StateMachine;
  clock: Clock;
  logger: Logger;
  /** The token other nodes present to this node's internal endpoints. */
  internalToken: string;
  /** How this node calls the others' internal endpoints. */
  http: ClusterHttp;
  /** This node's API URL, as other nodes reach it. */
  apiUrl: string;
  /** The URL of this node's internal endpoints (its internal listener), announced to the others. */
  internalUrl?: string | undefined;
  /** This node's Raft address (`host:port`), if it listens for Raft traffic. */
  raftAddress?: string | undefined;
  timing?: Partial<ClusterTiming>;
  /** Fault injection for tests: when true, this node drops all cluster traffic. */
  isolated?: () => boolean;
}

/**
 * Leases are measured on the monotonic clock: a wall-clock step (NTP, a manual change) must neither
 * extend nor cut a lease. The injected `Clock` stays for the times written into commands.
 */
const monotonic = () => performance.now();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const memberBodySchema = z.strictObject({
  id: z.string().regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' or '-', at most 64"),
  raftAddress: z.string().regex(/^[^\s:]+:\d{1,5}$/, "host:port"),
});

/**
 * The largest body of an internal request: a forwarded command is at most what one Raft frame carries
 * (64 MiB); without a bound, one request could fill the node's memory before anything checked it.
 */
export const maxInternalBodyBytes = 64 * 1024 * 1024;

/**
 * Module ownership and leases across the cluster.
 *
 * **Leases.** Every `renewEveryMs` — and at once when a new leader becomes known — a node renews its
 * lease with the leader (the leader with itself): the leader confirms it still leads with a ReadIndex
 * round (Raft dissertation §6.4) and answers its applied index; the node's lease then lasts until
 * `sentAt + leaseMs`, on its own monotonic clock, counted from when it *sent* the request, and only once
 * it applied that index (so its view of who owns what is at least as new as the leader's at that moment).
 * Without a valid lease a node runs no monitor and no delivery; with one it keeps running through an
 * election, and renews with the new leader (a lease outlasts an election: `leaseMs` > twice
 * `electionTimeoutMs` plus a renewal).
 *
 * **Reassignment after a follower dies.** The leader moves a module away from a node only after it
 * received no renewal from it for `reassignAfterMs`. The node's lease ended at `sentAt + leaseMs`, before
 * the leader's `receivedAt + reassignAfterMs`, since `sentAt < receivedAt`.
 *
 * **Reassignment after a leader dies.** A new leader does not know when the old one last granted a
 * lease, but it can bound it. A lease granted at `sentAt` was confirmed by a ReadIndex round that a
 * majority acknowledged after `sentAt`; the new leader won the votes of a majority, so some node both
 * acknowledged that round and then voted, and with Raft's check-quorum a node that heard from a leader
 * grants no (pre-)vote for `electionTimeoutMs` (§4.2.3; a candidate itself waits at least that long).
 * So every lease an earlier leader granted was sent before `electedAt - electionTimeoutMs`, and the new
 * leader treats every node as having renewed then: the dead leader's modules move at
 * `electedAt - electionTimeoutMs + reassignAfterMs`, not a full `reassignAfterMs` after the election.
 *
 * In both cases a cut-off node stops at least `reassignAfterMs - leaseMs` before another one starts,
 * provided clocks advance at rates within that margin, no process stalls longer than it between
 * checking its lease and acting (the assumption of leader leases, §6.4.1), and a node that crashes
 * takes longer than `electionTimeoutMs` to restart (it forgets which leader it heard from). When the old
 * owner is alive (rebalancing, removal), the grant is marked `handoff` and the new owner waits one full
 * lease after applying it: the old owner stops when it applies the grant, or at the latest when the
 * lease it had when the grant committed runs out.
 *
 * **Fencing.** Whatever a node believes, the state machine refuses transitions, reminders and delivery
 * records that do not carry the module's current owner and token: a stalled ex-owner cannot change state.
 */
export class Cluster {
  readonly #deps: ClusterDeps;
  readonly timing: ClusterTiming;
  #leaseUntil = 0;
  #leaseTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #balanceTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** The renewal under way, aborted when a new leader becomes known. */
  #renewal: AbortController | undefined;
  #balancing = false;
  #announced = false;
  readonly #listeners = new Set<() => void>();
  /** Local time at which a handed-off module may start here. */
  readonly #handoffReadyAt = new Map<string, number>();
  // Leader-side view, reset on every election.
  #leaderSince = 0;
  /** Every lease granted before this node's election was sent before this (see the class comment). */
  #inheritedRenewal = 0;
  readonly #lastRenewal = new Map<NodeId, number>();
  readonly #liveSince = new Map<NodeId, number>();

  constructor(deps: ClusterDeps) {
    this.#deps = deps;
    this.timing = { ...defaultClusterTiming, ...deps.timing };
    if (this.timing.leaseMs >= this.timing.reassignAfterMs) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        "The lease must be shorter than the reassignment delay, or two nodes could run a module at once.",
      );
    }
    if (this.timing.electionTimeoutMs >= this.timing.leaseMs) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        "The election timeout must be shorter than the lease, or owners would stop at every election.",
      );
    }
    deps.log.raft.on("role", (role) => {
      if (role === "leader") {
        this.#leaderSince = monotonic();
        // The raft node reports its election after it happened: counting back from now stays safe.
        this.#inheritedRenewal = this.#leaderSince - electionTicksOf(this.timing) * raftTickMs;
        this.#lastRenewal.clear();
        this.#liveSince.clear();
      }
    });
    deps.log.raft.on("leader", (leader) => {
      // A renewal sent to the old leader may hang (a stopped process): renew with the new one at once.
      if (leader !== null && !this.#stopped) void this.#renew(true);
    });
    deps.machine.onApply((command, result) => {
      if (!result.ok) return;
      if (command.type === "ownership.grant") {
        if (command.node === deps.nodeId && command.handoff) {
          this.#handoffReadyAt.set(command.module, monotonic() + this.timing.leaseMs);
          setTimeout(() => this.#changed(), this.timing.leaseMs + 10).unref();
        }
        this.#changed();
      } else if (command.type === "ownership.release") {
        this.#changed();
      } else if (command.type === "node.announce" && command.node === deps.nodeId) {
        this.#announced = command.apiUrl === deps.apiUrl && command.internalUrl === deps.internalUrl;
      }
    });
  }

  /** Calls `listener` whenever what this node may run can have changed. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Starts renewing the lease and, while leader, balancing. */
  start(): void {
    this.#renewTimer = setInterval(() => void this.#renew(), this.timing.renewEveryMs);
    this.#balanceTimer = setInterval(() => void this.#balance(), this.timing.balanceEveryMs);
    void this.#renew();
  }

  /** Whether this node holds a valid lease now. */
  hasLease(): boolean {
    return !this.#stopped && monotonic() < this.#leaseUntil;
  }

  /** Whether this node may run `module`'s monitors and deliveries right now. */
  mayRun(module: string): boolean {
    if (!this.hasLease()) return false;
    const grant = this.#deps.machine.grant(module);
    if (grant?.node !== this.#deps.nodeId) return false;
    const ready = this.#handoffReadyAt.get(module);
    return ready === undefined || monotonic() >= ready;
  }

  /** The owner and token to put on commands about `module`. */
  fence(module: string): { owner: string; token: number } | undefined {
    const grant = this.#deps.machine.grant(module);
    return grant ? { owner: grant.node, token: grant.token } : undefined;
  }

  /** Resolves once this node has a lease and the cluster has an id, or after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasLease() && this.#deps.machine.clusterId !== undefined && this.#announced) return true;
      await sleep(20);
    }
    return false;
  }

  async #renew(force = false): Promise<void> {
    if (this.#stopped || (this.#renewal !== undefined && !force)) return;
    this.#renewal?.abort();
    const renewal = new AbortController();
    this.#renewal = renewal;
    const { log, nodeId, machine } = this.#deps;
    const sentAt = monotonic();
    try {
      if (this.#deps.isolated?.()) throw new Error("isolated");
      if (log.raft.role === "leader") {
        await withTimeout(log.raft.read(), this.timing.leaseMs);
        this.#recordRenewal(nodeId, sentAt);
      } else {
        const leader = log.leaderTarget();
        if (leader === undefined) throw new Error("no leader known");
        const response = await this.#deps.http.request(leader.url, "/_cluster/lease", {
          method: "POST",
          body: { node: nodeId },
          timeoutMs: this.timing.leaseMs,
          signal: renewal.signal,
          node: leader.node,
        });
        const body = (await response.json()) as { index?: number };
        if (response.status !== 200 || typeof body.index !== "number")
          throw new Error(`HTTP ${response.status}`);
        await log.waitApplied(body.index, Math.max(0, sentAt + this.timing.leaseMs - monotonic()));
      }
      if (this.#stopped || renewal.signal.aborted) return;
      const had = this.hasLease();
      const until = sentAt + this.timing.leaseMs;
      if (until > this.#leaseUntil) this.#leaseUntil = until;
      clearTimeout(this.#leaseTimer);
      this.#leaseTimer = setTimeout(() => this.#leaseExpired(), this.#leaseUntil - monotonic() + 1);
      if (!had && this.hasLease()) {
        this.#deps.logger.info({ node: nodeId }, "lease acquired");
        this.#changed();
      }
      const announced = machine.member(nodeId);
      if (
        !this.#announced ||
        announced?.apiUrl !== this.#deps.apiUrl ||
        announced.internalUrl !== this.#deps.internalUrl
      )
        void this.#announce();
    } catch {
      // The lease simply runs out: a node that cannot renew must not run anything after it.
    } finally {
      if (this.#renewal === renewal) this.#renewal = undefined;
    }
  }

  #leaseExpired(): void {
    if (this.hasLease()) return;
    this.#deps.logger.warn({ node: this.#deps.nodeId }, "lease lost: stopped running modules");
    this.#changed();
  }

  async #announce(): Promise<void> {
    this.#announced = true;
    try {
      await this.#deps.log.propose({
        type: "node.announce",
        node: this.#deps.nodeId,
        apiUrl: this.#deps.apiUrl,
        ...(this.#deps.internalUrl ? { internalUrl: this.#deps.internalUrl } : {}),
        ...(this.#deps.raftAddress ? { raftAddress: this.#deps.raftAddress } : {}),
        at: this.#deps.clock.now(),
      });
    } catch {
      this.#announced = false;
    }
  }

  #recordRenewal(node: NodeId, at: number): void {
    if (!this.#isLive(node, at)) this.#liveSince.set(node, at);
    this.#lastRenewal.set(node, at);
  }

  /** The leader's view: whether `node` renewed recently enough that it may still hold a lease. */
  #isLive(node: NodeId, now: number): boolean {
    const last = Math.max(this.#lastRenewal.get(node) ?? this.#inheritedRenewal, this.#inheritedRenewal);
    return now - last < this.timing.reassignAfterMs;
  }

  /** Whether `node` renewed its lease lately (known only on the leader). */
  #health(node: NodeId, now: number): "up" | "down" | "unknown" {
    if (this.#deps.log.raft.role !== "leader") return "unknown";
    const last = this.#lastRenewal.get(node);
    if (last === undefined)
      return now - this.#inheritedRenewal < this.timing.reassignAfterMs ? "unknown" : "down";
    return now - last < this.timing.reassignAfterMs ? "up" : "down";
  }

  /** The leader's duty: every module has a live owner, and the load is even (within one). */
  async #balance(): Promise<void> {
    const { log, machine, clock, logger } = this.#deps;
    if (this.#balancing || this.#stopped || log.raft.role !== "leader" || !this.hasLease()) return;
    this.#balancing = true;
    try {
      const now = monotonic();
      if (machine.clusterId === undefined) {
        await log.propose({ type: "cluster.init", clusterId: crypto.randomUUID(), at: clock.now() });
      }
      const voters = new Set(log.raft.membership.voters);
      const candidates = [...voters].filter((n) => this.#isLive(n, now)).sort();
      if (candidates.length === 0) return;
      const load = new Map(candidates.map((n) => [n, [] as string[]]));
      const ownable = new Set(machine.ownable());
      const grants: Command[] = [];
      for (const grant of machine.grants()) {
        if (!ownable.has(grant.module))
          grants.push({ type: "ownership.release", module: grant.module, at: clock.now() });
      }
      const orphans: { module: string; handoff: boolean }[] = [];
      for (const module of ownable) {
        const grant = machine.grant(module);
        const owner = grant?.node;
        if (owner !== undefined && load.has(owner)) load.get(owner)!.push(module);
        else orphans.push({ module, handoff: owner !== undefined && this.#isLive(owner, now) });
      }
      const leastLoaded = (among: string[]) =>
        among.reduce((best, n) => (load.get(n)!.length < load.get(best)!.length ? n : best));
      for (const { module, handoff } of orphans) {
        const node = leastLoaded(candidates);
        load.get(node)!.push(module);
        grants.push({ type: "ownership.grant", module, node, handoff, at: clock.now() });
      }
      // Rebalance one module per round, only towards nodes that have been up for `stableMs` and only
      // when the spread is two or more: a flapping node does not attract modules, and an uneven count
      // that cannot be evened out (5 modules, 2 nodes) does not move modules back and forth.
      const stable = candidates.filter(
        (n) => now - (this.#liveSince.get(n) ?? this.#leaderSince) >= this.timing.stableMs,
      );
      if (stable.length > 0 && orphans.length === 0) {
        const busiest = candidates.reduce((a, b) => (load.get(b)!.length > load.get(a)!.length ? b : a));
        const idlest = leastLoaded(stable);
        if (load.get(busiest)!.length - load.get(idlest)!.length >= 2) {
          const module = load.get(busiest)!.sort().at(-1)!;
          grants.push({ type: "ownership.grant", module, node: idlest, handoff: true, at: clock.now() });
        }
      }
      for (const command of grants) {
        const result = await log.propose(command);
        if (command.type === "ownership.grant" && result.ok) {
          logger.info(
            { module: command.module, node: command.node, handoff: command.handoff },
            "module assigned",
          );
        }
      }
    } catch (error) {
      logger.warn({ err: describeError(error) }, "could not balance modules; will retry");
    } finally {
      this.#balancing = false;
    }
  }

  /** `GET /cluster`: this node's view, with health when it is the leader. */
  view(): Record<string, unknown> {
    const { log, machine, nodeId } = this.#deps;
    const now = monotonic();
    const { voters, learners } = log.raft.membership;
    const ids = [...new Set([...voters, ...learners, ...machine.members().map((m) => m.id)])].sort();
    const owned = new Map<string, string[]>();
    for (const grant of machine.grants())
      owned.set(grant.node, [...(owned.get(grant.node) ?? []), grant.module]);
    const leader = log.raft.leader;
    return {
      node: nodeId,
      clusterId: machine.clusterId ?? null,
      leader,
      term: log.raft.term,
      commitIndex: log.raft.commitIndex,
      appliedIndex: log.raft.appliedIndex,
      members: ids.map((id) => {
        const member = machine.member(id);
        const last = this.#lastRenewal.get(id);
        return {
          id,
          role:
            id === leader
              ? "leader"
              : voters.includes(id)
                ? "follower"
                : learners.includes(id)
                  ? "learner"
                  : "removed",
          voter: voters.includes(id),
          apiUrl: member?.apiUrl ?? null,
          raftAddress: member?.raftAddress ?? null,
          health: this.#health(id, now),
          lastRenewalMsAgo: log.raft.role === "leader" && last !== undefined ? now - last : null,
          modules: (owned.get(id) ?? []).sort(),
        };
      }),
      unowned: machine.ownable().filter((m) => machine.grant(m) === undefined),
    };
  }

  /** Adds a node: its Raft address goes through the log, then Raft adds it as a learner and promotes it. */
  async addMember(body: unknown): Promise<{ id: string; raftAddress: string }> {
    const parsed = memberBodySchema.safeParse(body);
    if (!parsed.success) {
      throw new AmstaffError(
        "AMS_ERR_REQUEST_INVALID",
        `Invalid member: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}. Send {"id": "d", "raftAddress": "host:port"}.`,
      );
    }
    const { id, raftAddress } = parsed.data;
    const { log, clock } = this.#deps;
    const applied = await log.propose({ type: "node.add", node: id, raftAddress, at: clock.now() });
    if (!applied.ok) throw new AmstaffError("AMS_ERR_REQUEST_INVALID", applied.reason);
    await this.#asLeader((raft) => raft.addVoter(id), "/_cluster/members", { id, raftAddress });
    return { id, raftAddress };
  }

  /** Removes a node from the Raft membership; its modules move to the others. */
  async removeMember(id: string): Promise<void> {
    await this.#asLeader((raft) => raft.removeMember(id), `/_cluster/members/${encodeURIComponent(id)}`);
    await this.#deps.log
      .propose({ type: "node.remove", node: id, at: this.#deps.clock.now() })
      .catch(() => undefined);
  }

  /** Runs a membership change on the leader: here, or through its internal endpoint. */
  async #asLeader(
    change: (raft: RaftLog["raft"]) => Promise<void>,
    path: string,
    body?: unknown,
  ): Promise<void> {
    const { log } = this.#deps;
    if (log.raft.role === "leader") {
      try {
        await change(log.raft);
        return;
      } catch (error) {
        throw new AmstaffError(
          "AMS_ERR_LOG_UNAVAILABLE",
          `Membership change failed: ${describeError(error)}`,
        );
      }
    }
    const leader = log.leaderTarget();
    if (leader === undefined)
      throw new AmstaffError("AMS_ERR_LOG_UNAVAILABLE", "No leader is known; try again.");
    const response = await this.#deps.http.request(leader.url, path, {
      method: body === undefined ? "DELETE" : "POST",
      body,
      timeoutMs: 60_000,
      node: leader.node,
    });
    if (response.status !== 200) {
      throw new AmstaffError(
        "AMS_ERR_LOG_UNAVAILABLE",
        `The leader refused the change (HTTP ${response.status}).`,
      );
    }
  }

  /** Whether a request is for the internal, node-to-node endpoints. */
  static isInternal(url: string | undefined): boolean {
    return url?.startsWith("/_cluster/") ?? false;
  }

  /**
   * Serves the internal endpoints (authenticated with the cluster's internal token). `peer`: the node id
   * the caller's client certificate names, when node traffic is mutual TLS — then a request counts only
   * for that node (see {@link Cluster.checkPeer}).
   */
  handleInternal(request: IncomingMessage, response: ServerResponse, peer?: string): void {
    const reply = (status: number, body: unknown) => {
      const payload = JSON.stringify(body);
      response.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
      });
      response.end(payload);
    };
    const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "");
    const expected = Buffer.from(this.#deps.internalToken);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      request.resume();
      reply(401, { error: { code: "AMS_ERR_AUTH_REQUIRED", message: "Not a node of this cluster." } });
      return;
    }
    if (this.#deps.isolated?.()) {
      request.destroy();
      return;
    }
    const tooLarge = () => {
      reply(413, {
        error: {
          code: "AMS_ERR_REQUEST_TOO_LARGE",
          message: `An internal request body is at most ${maxInternalBodyBytes} bytes.`,
        },
      });
      request.destroy();
    };
    if (Number(request.headers["content-length"] ?? 0) > maxInternalBodyBytes) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxInternalBodyBytes) {
        chunks.length = 0;
        if (!response.headersSent) tooLarge();
        return;
      }
      chunks.push(c);
    });
    request.on("end", () => {
      if (size > maxInternalBodyBytes) return;
      const path = request.url ?? "";
      let body: unknown;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
      } catch {
        reply(400, { error: { code: "AMS_ERR_REQUEST_INVALID", message: "Invalid JSON." } });
        return;
      }
      const method = request.method ?? "GET";
      Promise.resolve()
        .then(() => this.checkPeer(peer, method, path, body))
        .then(() => this.#internal(method, path, body))
        .then(
          ({ status, body: out }) => reply(status, out),
          (error: unknown) => {
            if (isNotLeader(error)) {
              reply(421, { retry: true });
              return;
            }
            if (isAmstaffError(error) && error.code === "AMS_ERR_CLUSTER_IDENTITY") {
              this.#deps.logger.warn(
                { peer, path, reason: error.message },
                "refused an internal request made on another node's behalf",
              );
            }
            const { status, body: out } = errorResponse(error);
            reply(status, out);
          },
        );
    });
  }

  /**
   * Binds an internal request to the node whose certificate made it (mutual TLS; `peer` undefined: plain
   * transport, no identity to bind). A node that is not a member — removed, or whose certificate was made
   * ahead of its joining — may only read the cluster view (and record its own removal); a member renews
   * only its own lease, announces only its own addresses, and never proposes what only the leader proposes
   * (module grants, the cluster id). Other commands are not bound to the forwarding node: a member forwards
   * writes on behalf of the API tokens it checked, and the state machine fences module work by grant.
   *
   * @throws AmstaffError `AMS_ERR_CLUSTER_IDENTITY` (403)
   */
  checkPeer(peer: string | undefined, method: string, path: string, body: unknown): void {
    if (peer === undefined || (method === "GET" && path === "/_cluster/view")) return;
    const { log } = this.#deps;
    const refuse = (why: string): never => {
      throw new AmstaffError(
        "AMS_ERR_CLUSTER_IDENTITY",
        `Refused a request from the node of certificate "${peer}": ${why}. Each node must use its own certificate (amstaff-server certs).`,
        { details: { peer } },
      );
    };
    const isMember = () => {
      const { voters, learners } = log.raft.membership;
      return voters.includes(peer) || learners.includes(peer);
    };
    if (path.startsWith("/_cluster/members")) {
      // Any node forwards an admin's membership change to the leader: check here, before forwarding.
      if (!isMember()) refuse("it is not a member of this cluster");
      return;
    }
    // A follower answers 421 to these without acting, and its view of the membership may lag.
    if (log.raft.role !== "leader") return;
    if (method === "POST" && path === "/_cluster/lease") {
      const node = (body as { node?: unknown } | undefined)?.node;
      if (node !== peer) refuse("a node renews only its own lease");
      return;
    }
    if (method === "POST" && path === "/_cluster/propose") {
      const parsed = commandSchema.safeParse((body as { command?: unknown } | undefined)?.command);
      // The endpoint itself answers 400 to a command that is not one.
      if (!parsed.success) return;
      const command = parsed.data;
      // A node removed through its own API records its removal after Raft dropped it.
      if (command.type === "node.remove" && command.node === peer) return;
      if (!isMember()) refuse("it is not a member of this cluster");
      switch (command.type) {
        case "node.announce":
          if (command.node !== peer) refuse("a node announces only its own addresses");
          return;
        case "ownership.grant":
        case "ownership.release":
        case "cluster.init":
          refuse(`only the leader proposes ${command.type}`);
          return;
        default:
          return;
      }
    }
    if (!isMember()) refuse("it is not a member of this cluster");
  }

  async #internal(method: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const { log } = this.#deps;
    const leader = log.raft.role === "leader";
    if (method === "POST" && path === "/_cluster/propose") {
      if (!leader) return { status: 421, body: { retry: true } };
      const command = commandSchema.parse((body as { command?: unknown } | undefined)?.command);
      return { status: 200, body: await log.proposeAsLeader(command) };
    }
    if (method === "POST" && path === "/_cluster/lease") {
      if (!leader) return { status: 421, body: { retry: true } };
      const receivedAt = monotonic();
      const node = z.object({ node: z.string() }).parse(body).node;
      const { voters, learners } = log.raft.membership;
      if (!voters.includes(node) && !learners.includes(node)) {
        return {
          status: 403,
          body: { error: { code: "AMS_ERR_AUTH_REQUIRED", message: `${node} is not a member.` } },
        };
      }
      await withTimeout(log.raft.read(), this.timing.leaseMs);
      this.#recordRenewal(node, receivedAt);
      return { status: 200, body: { index: log.raft.appliedIndex } };
    }
    if (method === "POST" && path === "/_cluster/read-index") {
      if (!leader) return { status: 421, body: { retry: true } };
      await withTimeout(log.raft.read(), 5_000);
      return { status: 200, body: { index: log.raft.appliedIndex } };
    }
    if (method === "GET" && path === "/_cluster/view") return { status: 200, body: this.view() };
    if (method === "POST" && path === "/_cluster/members") {
      await this.addMember(body);
      return { status: 200, body: { ok: true } };
    }
    const remove = /^\/_cluster\/members\/([^/]+)$/.exec(path);
    if (method === "DELETE" && remove) {
      await this.removeMember(decodeURIComponent(remove[1]!));
      return { status: 200, body: { ok: true } };
    }
    return {
      status: 404,
      body: { error: { code: "AMS_ERR_REQUEST_INVALID", message: "No such endpoint." } },
    };
  }

  /** `GET /cluster` on any node: the leader's view (with health) when it answers, else this node's. */
  async clusterView(): Promise<Record<string, unknown>> {
    const { log } = this.#deps;
    if (log.raft.role !== "leader") {
      const leader = log.leaderTarget();
      if (leader !== undefined && !this.#deps.isolated?.()) {
        try {
          const response = await this.#deps.http.request(leader.url, "/_cluster/view", {
            method: "GET",
            timeoutMs: 2_000,
            node: leader.node,
          });
          if (response.status === 200)
            return { ...((await response.json()) as object), answeredBy: log.raft.leader };
        } catch {
          // fall back to the local view
        }
      }
    }
    return { ...this.view(), answeredBy: this.#deps.nodeId };
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#balanceTimer);
    clearTimeout(this.#leaseTimer);
    this.#renewal?.abort();
    this.#changed();
  }
}
