/** Time as the server sees it, injectable so schedules and retries can be tested without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Milliseconds on a clock that never steps, for durations that must not stretch or shrink when the
   * wall clock is set (leases). @default `now()`: a clock without it is taken to never step
   */
  monotonic?(): number;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  monotonic: () => performance.now(),
};

/** `clock`'s monotonic time (see {@link Clock.monotonic}). */
export function monotonicNow(clock: Clock): number {
  return clock.monotonic?.() ?? clock.now();
}

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Calls `callback` every `ms` on `clock` until the returned function is called. */
export function every(clock: Clock, ms: number, callback: () => void): () => void {
  let stopped = false;
  let handle: unknown;
  const tick = () => {
    if (stopped) return;
    handle = clock.setTimeout(tick, ms);
    callback();
  };
  handle = clock.setTimeout(tick, ms);
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/**
 * An `AbortSignal` that aborts with a `TimeoutError` after `ms` on `clock` (the injectable
 * `AbortSignal.timeout`); `cancel` clears its timer once the operation settled.
 */
export function timeoutSignal(clock: Clock, ms: number): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(
    () => controller.abort(new DOMException(`No answer within ${ms} ms.`, "TimeoutError")),
    ms,
  );
  return { signal: controller.signal, cancel: () => clock.clearTimeout(timer) };
}
