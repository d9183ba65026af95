/** How a delivery reads an HTTP status: done, worth another attempt, or refused for good. */
export type HttpStatusClass = "success" | "retryable" | "permanent";

/**
 * Classifies the status of an HTTP answer to a delivery: 2xx succeeded; 408 (the receiver timed out), 429
 * (rate-limited) and 5xx (the receiver failed) are worth retrying; everything else (4xx, redirects, 1xx)
 * is refused for good: the same request would be refused again.
 *
 * @example
 * ```ts
 * classifyHttpStatus(202); // "success"
 * classifyHttpStatus(503); // "retryable"
 * classifyHttpStatus(400); // "permanent"
 * ```
 */
export function classifyHttpStatus(status: number): HttpStatusClass {
  if (status >= 200 && status < 300) return "success";
  if (status === 408 || status === 429 || status >= 500) return "retryable";
  return "permanent";
}

/**
 * Replaces every occurrence of each secret in `text` with `[redacted]`. Values shorter than 4 characters
 * are left alone: they would blank out ordinary words and cannot be secrets worth the name.
 *
 * @example
 * ```ts
 * redactSecrets("401 for token abcd1234", ["abcd1234"]); // "401 for token [redacted]"
 * ```
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const value of secrets)
    if (value !== undefined && value.length >= 4) out = out.split(value).join("[redacted]");
  return out;
}
