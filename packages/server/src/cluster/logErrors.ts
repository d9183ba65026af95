import { AmstaffError } from "@amstaff/core";
import { NotLeaderError, RaftError } from "@amstaff/raft";
import type { Clock } from "../clock.js";

/** `AMS_ERR_LOG_UNAVAILABLE`: the command certainly was not applied (or a read is impossible now). */
export const unavailable = (message: string, cause?: unknown): AmstaffError =>
  new AmstaffError("AMS_ERR_LOG_UNAVAILABLE", message, cause === undefined ? undefined : { cause });

/** `AMS_ERR_LOG_OUTCOME_UNKNOWN`: the command reached the log, but whether it was applied is unknown. */
export const outcomeUnknown = (message: string, cause?: unknown): AmstaffError =>
  new AmstaffError(
    "AMS_ERR_LOG_OUTCOME_UNKNOWN",
    `${message} The command may or may not have been applied: check the state before repeating it (pushing a module again is idempotent).`,
    cause === undefined ? undefined : { cause },
  );

/** Rejects with `AMS_ERR_LOG_UNAVAILABLE` if `promise` takes longer than `ms` on `clock`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T> {
  let timer: unknown;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = clock.setTimeout(() => reject(unavailable(`No answer within ${ms} ms.`)), ms);
      }),
    ]);
  } finally {
    clock.clearTimeout(timer);
  }
}

/** Whether an error means "this node is not the leader" (retry elsewhere). */
export function isNotLeader(error: unknown): boolean {
  return error instanceof NotLeaderError || (error instanceof RaftError && error.code === "RAFT_NOT_LEADER");
}
