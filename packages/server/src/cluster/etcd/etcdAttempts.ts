import { GRPCDeadlineExceededError } from "etcd3";
import { type Clock, sleep } from "../../clock.js";
import { neverSent } from "./etcdClient.js";

/**
 * How long calls go on retrying while no etcd member accepts a connection at all: a killed member is
 * skipped at once (the next attempt goes to another), so this much of nothing but refusals means etcd
 * is down, and callers learn it now rather than at their deadline.
 */
export const unreachableMs = 2_000;

/**
 * The first attempt's deadline of one etcd call, by default. Far below etcd's own request timeout
 * (5 s + 2 × its election timeout): a member that forwarded a proposal to a leader that just died holds
 * the call until that timeout, although a new leader is elected within about one election timeout. An
 * attempt that ran out is retried (another member, or the same one under the new leader) with twice the
 * deadline, so a slow but healthy etcd is never starved.
 */
export const defaultAttemptMs = 1_000;

/** The gRPC deadline (wall clock, as gRPC takes it) of an attempt of `attemptMs`, within `deadline`. */
export function attemptDeadline(clock: Clock, deadline: number, attemptMs: number): number {
  return Date.now() + Math.max(1, Math.min(attemptMs, deadline - clock.now()));
}

/** Whether a failed attempt ran out of its deadline (rather than being refused or failing). */
export function ranOut(error: unknown): boolean {
  return error instanceof GRPCDeadlineExceededError;
}

/**
 * Runs an idempotent etcd call until it succeeds, each attempt with its own deadline (doubled after one
 * ran out). Rejects with the last error at `deadline`, or once nothing but refusals came for
 * {@link unreachableMs}.
 */
export async function retryIdempotent<T>(
  clock: Clock,
  deadline: number,
  attemptMs: number,
  call: (grpcDeadline: number) => Promise<T>,
): Promise<T> {
  let refusedSince: number | undefined;
  for (let ms = attemptMs; ; ) {
    try {
      return await call(attemptDeadline(clock, deadline, ms));
    } catch (error) {
      const now = clock.now();
      refusedSince = neverSent(error) ? (refusedSince ?? now) : undefined;
      if (now >= deadline || (refusedSince !== undefined && now - refusedSince >= unreachableMs)) throw error;
      if (ranOut(error)) ms *= 2;
    }
    await sleep(clock, Math.min(100, Math.max(0, deadline - clock.now())));
  }
}
