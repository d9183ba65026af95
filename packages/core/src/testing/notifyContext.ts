import type { NotifyContext } from "../handler.js";

/**
 * A notify context for the first attempt of delivering {@link sampleTransition} through `handler`: a signal
 * never aborted, the idempotency key `tr-0001:<handler>:0` (as the server derives it) and attempt 1.
 *
 * @param handler - the handler's name in the idempotency key
 * @param overrides - fields to replace (a `signal` to abort, a `receipt`, a later `attempt`)
 * @example
 * ```ts
 * const controller = new AbortController();
 * const delivery = handler.notify(sampleTransition(), notifyContext("pager", { signal: controller.signal }));
 * ```
 */
export function notifyContext(handler: string, overrides: Partial<NotifyContext> = {}): NotifyContext {
  return {
    signal: new AbortController().signal,
    idempotencyKey: `tr-0001:${handler}:0`,
    attempt: 1,
    ...overrides,
  };
}
