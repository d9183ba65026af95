/** The longest wait a receiver's `Retry-After` may impose; longer values are capped to it. */
export const maxRetryAfterMs = 3_600_000;

/**
 * Parses a `Retry-After` value into milliseconds from `now`, capped at {@link maxRetryAfterMs}: a delay in
 * seconds (a digit string as HTTP sends it, or a number as some JSON APIs give it) or an HTTP date, which
 * gives 0 when it is in the past. Of a repeated header (an array), the first value counts.
 *
 * @param value the header's value, as Node's `IncomingHttpHeaders`, `Headers.get` or a JSON field give it.
 * @param now the time the answer was received, in epoch milliseconds.
 * @returns the delay, or `undefined` when the value is absent or unreadable.
 * @example
 * ```ts
 * parseRetryAfter("30"); // 30_000
 * parseRetryAfter("Tue, 24 Nov 2026 01:00:30 GMT", Date.parse("2026-11-24T01:00:00Z")); // 30_000
 * parseRetryAfter("soon"); // undefined
 * ```
 */
export function parseRetryAfter(
  value: string | number | readonly string[] | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) && value >= 0 ? Math.min(value * 1000, maxRetryAfterMs) : undefined;
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  // HTTP dates (IMF-fixdate, RFC 850, asctime) all start with a day name.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), maxRetryAfterMs);
}
