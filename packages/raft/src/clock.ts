/**
 * Time as a {@link RaftNode} sees it: the tick timer and the deadlines of `addVoter` and
 * `transferLeadership`. Inject one to drive a node without sleeping (the same shape as the Amstaff
 * server's clock, so that one can be passed as is).
 */
export interface RaftClock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Calls `callback` once after `ms`; returns a handle for {@link RaftClock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending {@link RaftClock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** The real clock; its timers do not keep the process alive. */
export const systemClock: RaftClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
