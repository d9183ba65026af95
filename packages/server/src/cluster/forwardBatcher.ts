import type { Clock } from "../clock.js";
import type { Command } from "../state/commands.js";
import { outcomeUnknown } from "./logErrors.js";
import { type Applied, maxForwardBatch, type RpcTarget } from "./rpc.js";
import type { RpcClient } from "./rpcClient.js";

/** The calls of {@link RpcClient} that forward proposals. */
export type ForwardingRpc = Pick<RpcClient, "forwardBatch" | "forwardProposal">;

/** Batches in flight to one leader at a time; the commands proposed meanwhile wait for the next. */
const maxInFlight = 2;

interface Pending {
  command: Command;
  /** On the clock: past it the command's proposal settles, sent or not. */
  deadline: number;
  resolve: (applied: Applied | undefined) => void;
  reject: (error: unknown) => void;
}

interface Queue {
  target: RpcTarget;
  pending: Pending[];
  inFlight: number;
  scheduled: boolean;
}

/**
 * A follower's forwarding of proposals to the leader, in batches (`POST /_cluster/propose-batch`): the
 * commands this node proposed in one turn of the event loop go in one request, and while two requests
 * are in flight the next ones wait and grow (group commit). A big push made every monitor's owner
 * propose its first status at once — hundreds a second, each its own request, which the leader could
 * not answer in time; now it parses one request and appends one Raft batch for many.
 *
 * A leader of a version without the endpoint gets one command per request; so do the commands of a
 * batch it refused for its size.
 *
 * Each command keeps its own outcome and deadline, as if forwarded alone: applied, certainly not applied
 * (undefined: not sent before its deadline, refused by a follower, the leader's own deadline ran out
 * before it reached the log), or an outcome-unknown error (sent, no answer within its deadline).
 */
export class ForwardBatcher {
  readonly #rpc: ForwardingRpc;
  readonly #clock: Clock;
  readonly #queues = new Map<string, Queue>();
  /** Leaders of a version without the batch endpoint: forwarded one command per request. */
  readonly #unbatched = new Set<string>();

  constructor(rpc: ForwardingRpc, clock: Clock) {
    this.#rpc = rpc;
    this.#clock = clock;
  }

  /** Forwards `command` to `target`, waiting at most `timeoutMs`: see {@link RpcClient.forwardProposal}. */
  forward(target: RpcTarget, command: Command, timeoutMs: number): Promise<Applied | undefined> {
    const key = `${target.node} ${target.url}`;
    if (this.#unbatched.has(key)) return this.#rpc.forwardProposal(target, command, timeoutMs);
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = { target, pending: [], inFlight: 0, scheduled: false };
      this.#queues.set(key, queue);
    }
    const deadline = this.#clock.now() + timeoutMs;
    const promise = new Promise<Applied | undefined>((resolve, reject) => {
      queue.pending.push({ command, deadline, resolve, reject });
    });
    this.#schedule(key, queue);
    return promise;
  }

  /** Sends the next batch after this turn, when a request may go. */
  #schedule(key: string, queue: Queue): void {
    if (queue.scheduled || queue.inFlight >= maxInFlight) return;
    if (queue.pending.length === 0) {
      if (queue.inFlight === 0) this.#queues.delete(key);
      return;
    }
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      void this.#send(key, queue);
    });
  }

  async #send(key: string, queue: Queue): Promise<void> {
    const now = this.#clock.now();
    const batch: Pending[] = [];
    for (const pending of queue.pending.splice(0, maxForwardBatch)) {
      // Never sent: certainly not applied.
      if (pending.deadline <= now) pending.resolve(undefined);
      else batch.push(pending);
    }
    if (batch.length === 0) {
      this.#schedule(key, queue);
      return;
    }
    queue.inFlight++;
    // Each command gives up at its own deadline; the request lasts as long as the latest one.
    const timers = batch.map((pending) =>
      this.#clock.setTimeout(
        () => pending.reject(outcomeUnknown("Could not reach the leader, or it did not answer in time.")),
        pending.deadline - now,
      ),
    );
    const timeoutMs = Math.max(...batch.map((pending) => pending.deadline)) - now;
    try {
      const outcomes = await this.#rpc.forwardBatch(
        queue.target,
        batch.map((pending) => pending.command),
        timeoutMs,
      );
      if (typeof outcomes === "string") {
        if (outcomes === "unsupported") this.#unbatched.add(key);
        for (const pending of batch) {
          const left = Math.max(0, pending.deadline - this.#clock.now());
          this.#rpc
            .forwardProposal(queue.target, pending.command, left)
            .then(pending.resolve, pending.reject);
        }
      } else {
        for (const [i, outcome] of outcomes.entries()) {
          if ("error" in outcome) batch[i]!.reject(outcome.error);
          else batch[i]!.resolve(outcome.applied);
        }
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      for (const timer of timers) this.#clock.clearTimeout(timer);
      queue.inFlight--;
      this.#schedule(key, queue);
    }
  }
}
