/** The longest wait Slack's `Retry-After` may impose; longer values are capped to it. */
export const maxRetryAfterMs = 3_600_000;

/**
 * Parses a `Retry-After` value (seconds, as Slack sends it, or an HTTP date) into milliseconds from `now`,
 * capped at {@link maxRetryAfterMs}.
 *
 * @returns the delay, or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | number | null | undefined, now: number): number | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) && value >= 0 ? Math.min(value * 1000, maxRetryAfterMs) : undefined;
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), maxRetryAfterMs);
}
