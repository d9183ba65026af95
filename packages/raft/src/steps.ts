/**
 * One piece of a node's work that may or may not wait for I/O: `undefined` once it finished synchronously,
 * else a promise of its end. Chaining pieces with {@link andThen} instead of `await` keeps a run of
 * synchronous ones in one call: an `await` defers what follows it to a microtask even when nothing was
 * pending, behind whatever the current event-loop callback queued first.
 */
export type Step = void | Promise<void>;

/** Runs `next` at once when `step` finished synchronously, else once it has; returns the pair as one step. */
export function andThen(step: Step, next: () => Step): Step {
  return step ? step.then(next) : next();
}

/** Whether `value` is a promise or another thenable: what `await` would wait for. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
