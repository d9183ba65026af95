import { expect } from "vitest";
import { AmstaffError } from "../errors.js";

/**
 * Awaits a delivery that must fail, asserts it failed with `AmstaffError` `AMS_ERR_DELIVERY_FAILED` (the
 * error the server retries or gives up on) and returns the error for further assertions.
 *
 * @example
 * ```ts
 * const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("pager")));
 * expect(error.retryable).toBe(true);
 * ```
 */
export async function deliveryFailure(promise: Promise<unknown>): Promise<AmstaffError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AmstaffError);
  expect((error as AmstaffError).code).toBe("AMS_ERR_DELIVERY_FAILED");
  return error as AmstaffError;
}
