import { AmstaffError } from "@amstaff/core";
import { type Clock, timeoutSignal } from "../clock.js";
import type { GlanceReply, GlanceRequest } from "../runtime/peerGlances.js";
import type { Command } from "../state/commands.js";
import { type ClusterHttp, type ClusterRequest, nodeMismatchCode } from "./clusterHttp.js";
import { outcomeUnknown, unavailable } from "./logErrors.js";
import {
  type Applied,
  type ForwardOutcome,
  glanceReplySchema,
  indexReplySchema,
  memberPath,
  type RpcTarget,
  retryStatus,
  rpcPaths,
  uptimeDaysReplySchema,
} from "./rpc.js";

/** An answer of another node: its status and its JSON body (undefined when the body is not JSON). */
interface Reply {
  status: number;
  body: unknown;
}

/**
 * The client half of the node-to-node protocol (see `rpc.ts`): one method per internal endpoint. Every
 * call's deadline runs on the injected clock, so a test drives forwarding and renewals without sleeping.
 */
export class RpcClient {
  readonly #http: ClusterHttp;
  readonly #clock: Clock;

  constructor(http: ClusterHttp, clock: Clock) {
    this.#http = http;
    this.#clock = clock;
  }

  /** Sends one request and reads its answer, aborting both when `timeoutMs` runs out on the clock. */
  async #call(target: RpcTarget, path: string, request: ClusterRequest): Promise<Reply> {
    const deadline = timeoutSignal(this.#clock, request.timeoutMs);
    try {
      const response = await this.#http.request(target.url, path, {
        ...request,
        signal: request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal,
        node: target.node,
      });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    } finally {
      deadline.cancel();
    }
  }

  /**
   * Renews this node's lease with the leader; resolves with the leader's applied index once it confirmed
   * its leadership. Throws on any failure: the lease then simply runs out.
   */
  async renewLease(target: RpcTarget, node: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
    const reply = await this.#call(target, rpcPaths.lease, {
      method: "POST",
      body: { node },
      timeoutMs,
      signal,
    });
    const parsed = indexReplySchema.safeParse(reply.body);
    if (reply.status !== 200 || !parsed.success) throw new Error(`HTTP ${reply.status}`);
    return parsed.data.index;
  }

  /**
   * Sends a command to the leader, waiting at most `timeoutMs`; undefined when it certainly was not
   * applied (retry). Throws the outcome-unknown errors of `RaftLog.propose` otherwise.
   */
  async forwardProposal(
    target: RpcTarget,
    command: Command,
    timeoutMs: number,
  ): Promise<Applied | undefined> {
    const reply = await this.#forward(target, rpcPaths.propose, { command }, timeoutMs);
    return reply === undefined ? undefined : appliedOf(reply);
  }

  /**
   * Sends commands to the leader in one request, waiting at most `timeoutMs`: each one's outcome, in
   * order, read as {@link forwardProposal} reads its answer. Forward them one by one instead when the
   * leader is of a version without the endpoint (`"unsupported"`) or refused the batch unread for its
   * size (`"too large"`: over `maxInternalBodyBytes`). Throws the outcome-unknown error of all of
   * them when the request failed midway.
   */
  async forwardBatch(
    target: RpcTarget,
    commands: Command[],
    timeoutMs: number,
  ): Promise<Forwarded[] | "unsupported" | "too large"> {
    const reply = await this.#forward(target, rpcPaths.proposeBatch, { commands }, timeoutMs);
    if (reply === undefined) return commands.map(() => ({ applied: undefined }));
    if (reply.status === 404) return "unsupported";
    if (reply.status === 413) return "too large";
    const outcomes = (reply.body as { outcomes?: ForwardOutcome[] } | undefined)?.outcomes;
    // A refusal of the whole request (421 from a follower, 400, 500) is each command's answer.
    const answers =
      reply.status === 200 && Array.isArray(outcomes) && outcomes.length === commands.length
        ? outcomes
        : commands.map(() => reply);
    return answers.map((answer) => {
      try {
        return { applied: appliedOf(answer) };
      } catch (error) {
        return { error };
      }
    });
  }

  /** Posts forwarded commands; undefined when refused before a byte was sent (certainly not applied). */
  async #forward(
    target: RpcTarget,
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<Reply | undefined> {
    try {
      return await this.#call(target, path, { method: "POST", body, timeoutMs });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === "ECONNREFUSED" || code === nodeMismatchCode) return undefined;
      throw outcomeUnknown("Could not reach the leader, or it did not answer in time.", error);
    }
  }

  /** ReadIndex through the leader: resolves with the index this node must apply before it reads. */
  async readIndex(target: RpcTarget, timeoutMs: number): Promise<number> {
    const reply = await this.#call(target, rpcPaths.readIndex, { method: "POST", timeoutMs }).catch(
      (error: unknown) => {
        throw unavailable("The leader is unreachable; a consistent read is impossible now.", error);
      },
    );
    const parsed = indexReplySchema.safeParse(reply.body);
    if (reply.status !== 200 || !parsed.success) {
      throw unavailable("The leader could not confirm its leadership; try again.");
    }
    return parsed.data.index;
  }

  /** The leader's view of the cluster; undefined when it does not answer within 2 s. */
  async view(target: RpcTarget): Promise<Record<string, unknown> | undefined> {
    try {
      const reply = await this.#call(target, rpcPaths.view, { method: "GET", timeoutMs: 2_000 });
      const ok = reply.status === 200 && typeof reply.body === "object" && reply.body !== null;
      return ok ? (reply.body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Another node's daily sample counts of some monitors; undefined when it does not answer within
   * `timeoutMs` or answers something else (a node of a version without the endpoint).
   */
  async uptimeDays(
    target: RpcTarget,
    request: { monitors: [string, string][]; fromDay: number; toDay: number },
    timeoutMs: number,
  ): Promise<[number, number, number, number, number][][] | undefined> {
    try {
      const reply = await this.#call(target, rpcPaths.uptimeDays, {
        method: "POST",
        body: request,
        timeoutMs,
      });
      const parsed = uptimeDaysReplySchema.safeParse(reply.body);
      return reply.status === 200 && parsed.success ? parsed.data.days : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Another node's overview bars of the monitors it runs (or of `request.monitors`); undefined when it
   * does not answer within `timeoutMs` or answers something else (a node of a version without it).
   */
  async glance(
    target: RpcTarget,
    request: GlanceRequest,
    timeoutMs: number,
  ): Promise<GlanceReply | undefined> {
    try {
      const reply = await this.#call(target, rpcPaths.glance, { method: "POST", body: request, timeoutMs });
      const parsed = glanceReplySchema.safeParse(reply.body);
      return reply.status === 200 && parsed.success ? (parsed.data as GlanceReply) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Asks the leader to add (`{ id, raftAddress }`) or remove (an id) a member; resolves with its status.
   * A learner may take a while to catch up: up to a minute.
   */
  async changeMembership(
    target: RpcTarget,
    change: { add: { id: string; raftAddress: string } } | { remove: string },
  ): Promise<number> {
    const reply = await this.#call(
      target,
      "add" in change ? rpcPaths.members : memberPath(change.remove),
      "add" in change
        ? { method: "POST", body: change.add, timeoutMs: 60_000 }
        : { method: "DELETE", timeoutMs: 60_000 },
    );
    return reply.status;
  }
}

/** One forwarded command of a batch: its {@link Applied} (undefined: certainly not applied, retry), or the error to throw. */
export type Forwarded = { applied: Applied | undefined } | { error: unknown };

/** Reads the leader's answer to one forwarded command (see {@link RpcClient.forwardProposal}). */
function appliedOf(reply: Reply): Applied | undefined {
  const body = (reply.body ?? {}) as Partial<Applied> & {
    retry?: boolean;
    error?: { code?: string; message?: string };
  };
  if (reply.status === 200 && body.result) return body as Applied;
  if (reply.status === retryStatus || body.retry === true) return undefined;
  const code = body.error?.code;
  // The leader ran out of its own deadline before the command reached its log: not applied.
  if (code === "AMS_ERR_LOG_UNAVAILABLE") return undefined;
  if (code === "AMS_ERR_LOG_RESULT_UNKNOWN" || code === "AMS_ERR_LOG_OUTCOME_UNKNOWN") {
    throw new AmstaffError(code, body.error?.message ?? "The leader could not tell the command's outcome.");
  }
  throw outcomeUnknown(`The leader could not commit the command (HTTP ${reply.status}).`);
}
