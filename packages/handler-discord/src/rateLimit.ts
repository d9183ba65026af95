import { maxRetryAfterMs, parseRetryAfter } from "@amstaff/core";

/** Response headers, as undici gives them. */
export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.min(Math.ceil(n * 1000), maxRetryAfterMs) : undefined;
}

/**
 * How long Discord asked to wait after a 429 (https://discord.com/developers/docs/topics/rate-limits): the
 * longest of the body's `retry_after` (seconds, a float), `Retry-After` (seconds) and
 * `X-RateLimit-Reset-After` (seconds, a float), capped at `maxRetryAfterMs`.
 */
export function rateLimitWaitMs(
  headers: Headers,
  body: { retry_after?: unknown } | undefined,
  now: number,
): number | undefined {
  const waits = [
    seconds(body?.retry_after),
    parseRetryAfter(headers["retry-after"], now),
    seconds(header(headers, "x-ratelimit-reset-after")),
  ].filter((ms): ms is number => ms !== undefined);
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/**
 * The rate-limit bucket of one webhook, read from Discord's `X-RateLimit-*` headers: once an answer says
 * no request is left (`X-RateLimit-Remaining: 0`), the next one waits for `X-RateLimit-Reset-After`
 * instead of running into a 429. Discord asks clients to do exactly this, and counts 429s against them.
 */
export class RateLimitBucket {
  #openAt = 0;
  readonly #now: () => number;

  /** @param now - the clock, in epoch milliseconds */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** How long the next request must wait, in milliseconds (0: go). */
  waitMs(): number {
    return Math.max(0, this.#openAt - this.#now());
  }

  /** Reads an answer's headers (and a 429's body). */
  update(status: number, headers: Headers, body?: { retry_after?: unknown }): void {
    const wait =
      status === 429
        ? rateLimitWaitMs(headers, body, this.#now())
        : header(headers, "x-ratelimit-remaining") === "0"
          ? seconds(header(headers, "x-ratelimit-reset-after"))
          : undefined;
    if (wait !== undefined) this.#openAt = Math.max(this.#openAt, this.#now() + wait);
  }
}
