/** How deliveries are retried. */
export interface RetryPolicy {
  /** The first retry waits up to this long; each next one up to twice as long. @default 1000 */
  baseDelayMs: number;
  /** No wait is longer than this (a receiver's `Retry-After` included). @default 300000 */
  maxDelayMs: number;
  /** Attempts before a delivery is marked failed. @default 12 */
  maxAttempts: number;
  /** Time limit of one attempt. @default 15000 */
  attemptTimeoutMs: number;
}

/** The default {@link RetryPolicy}: about an hour of retries before giving up. */
export const defaultRetryPolicy: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 300_000,
  maxAttempts: 12,
  attemptTimeoutMs: 15_000,
};

/**
 * The wait before retry `attempt` (1 for the first): exponential backoff with equal jitter (half fixed,
 * half random, `random()` in [0, 1)), never shorter than the receiver asked (`hintedMs`, its
 * `Retry-After`) nor longer than the policy's `maxDelayMs`.
 */
export function backoffMs(
  { baseDelayMs, maxDelayMs }: RetryPolicy,
  attempt: number,
  hintedMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(ceiling / 2 + (random() * ceiling) / 2);
  return Math.min(maxDelayMs, Math.max(jittered, hintedMs));
}
