/** The longest wait a receiver's `Retry-After` may impose; longer values are capped to it. */
export const maxRetryAfterMs = 3_600_000;

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds from `now`,
 * capped at {@link maxRetryAfterMs}. A date in the past gives 0.
 *
 * @returns the delay, or `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  // HTTP dates (IMF-fixdate, RFC 850, asctime) all start with a day name.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), maxRetryAfterMs);
}
