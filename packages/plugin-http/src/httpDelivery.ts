import { AmstaffError, classifyHttpStatus, parseRetryAfter, redactSecrets } from "@amstaff/core";
import type { Dispatcher } from "undici";
import { exchange, type HttpAnswer, type HttpRequest, TransportFailure } from "./exchange.js";

/** The target of an {@link HttpDelivery} and how its errors read. */
export interface HttpDeliveryOptions {
  /** How every error message starts, naming the handler and its target, e.g. `ntfy https://ntfy.sh`. */
  label: string;
  /** Values no error message may contain (tokens, keys, signed URLs): replaced with `[redacted]`. */
  secrets?: readonly (string | undefined)[];
  /** The `details` of every error, besides `retryable` and `status`; never a secret. */
  details: Record<string, unknown>;
  /** The timeout as the user configured it (e.g. `10s`), for messages. */
  timeout: string;
  /** The timeout in milliseconds. */
  timeoutMs: number;
  /**
   * The undici dispatcher requests go through.
   * @default the shared agent of every HTTP handler of the process
   */
  dispatcher?: Dispatcher | undefined;
  /**
   * The clock, in milliseconds since the epoch, for `Retry-After` dates.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

/** What an error of an {@link HttpDelivery} says about retrying. */
export interface DeliveryFailureOptions {
  /** Whether the server should try again. */
  retryable: boolean;
  /** How long the receiver asked to wait before the next attempt. */
  retryAfterMs?: number | undefined;
  /** The underlying error. */
  cause?: unknown;
  /** The HTTP status that failed the delivery. */
  status?: number | undefined;
}

/** How a handler words an HTTP answer that failed its delivery; see {@link HttpDelivery.refusal}. */
export interface RefusalWording<Body extends object> {
  /** The service's name in `<service> answered HTTP 503`. */
  service: string;
  /** What a 429 means, e.g. `PagerDuty is rate-limiting this integration`. */
  rateLimited: string;
  /** The service's own explanation of the answer (its error message, or an excerpt of the body). */
  said: string;
  /** What to do about a permanent refusal, by status, e.g. `the API key was refused: check apiKey`. */
  advice: (status: number) => string;
  /**
   * How long the service asked to wait before retrying a 408, 429 or 5xx.
   * @default the answer's `Retry-After`
   */
  retryAfterMs?: (answer: HttpAnswer<Body>) => number | undefined;
}

/**
 * The HTTP plumbing of one handler: its requests (with abort, timeout and the shared agent), and its
 * errors, `AmstaffError` `AMS_ERR_DELIVERY_FAILED` with the handler's label, `retryable`, `retryAfterMs`
 * and never a secret. A request that got no answer is always retryable; an answer is classified by
 * {@link classifyHttpStatus}.
 *
 * @example
 * ```ts
 * const http = new HttpDelivery({ label: `ntfy ${server}`, secrets: [token], details: { server }, timeout: "10s", timeoutMs: 10_000 });
 * const answer = await http.send({ url: `${server}/`, method: "POST", headers, body }, "publishing to alerts", signal);
 * if (answer.status >= 300) throw http.refusal(answer, "publishing to alerts", wording);
 * ```
 */
export class HttpDelivery {
  readonly #options: HttpDeliveryOptions;

  /** @param options - the target and how its errors read */
  constructor(options: HttpDeliveryOptions) {
    this.#options = options;
  }

  /** The clock's time, in epoch milliseconds. */
  now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** An error of this delivery: `<label>: <message>`, secrets redacted. */
  fail(message: string, options: DeliveryFailureOptions): AmstaffError {
    const { label, secrets = [], details } = this.#options;
    return new AmstaffError("AMS_ERR_DELIVERY_FAILED", redactSecrets(`${label}: ${message}`, secrets), {
      retryable: options.retryable,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: {
        ...details,
        retryable: options.retryable,
        ...(options.status === undefined ? {} : { status: options.status }),
      },
    });
  }

  /**
   * Sends one request and returns its answer, whatever its status.
   *
   * @param what - what the request does, starting the error's message, e.g. `creating alert inc-42`
   * @throws AmstaffError `AMS_ERR_DELIVERY_FAILED`, retryable, when no answer came.
   */
  async send<Body extends object = Record<string, unknown>>(
    request: HttpRequest,
    what: string,
    signal: AbortSignal,
  ): Promise<HttpAnswer<Body>> {
    const { timeout, timeoutMs, dispatcher } = this.#options;
    try {
      return await exchange<Body>(request, { signal, timeoutMs, dispatcher });
    } catch (error) {
      if (!(error instanceof TransportFailure)) throw error;
      const cause = error.cause === undefined ? {} : { cause: error.cause };
      if (error.kind === "aborted") return this.#throw(`${what}: aborted (${error.message})`, cause);
      if (error.kind === "timeout")
        return this.#throw(`${what}: no answer within ${timeout} (timeout)`, cause);
      return this.#throw(`${what}: ${error.message}; will retry`, cause);
    }
  }

  #throw(message: string, cause: { cause?: unknown }): never {
    throw this.fail(message, { retryable: true, ...cause });
  }

  /**
   * The error for an answer that failed the delivery: retryable for 408, 429 and 5xx (with `retryAfterMs`),
   * permanent for the rest, each worded the same way across handlers.
   *
   * @param what - what the request did, starting the message
   */
  refusal<Body extends object>(
    answer: HttpAnswer<Body>,
    what: string,
    wording: RefusalWording<Body>,
  ): AmstaffError {
    const { status } = answer;
    const answered = `HTTP ${status}${wording.said ? `: ${wording.said}` : ""}`;
    if (classifyHttpStatus(status) !== "retryable")
      return this.fail(`${what}: ${wording.advice(status)} (${answered}) (permanent, not retried)`, {
        retryable: false,
        status,
      });
    const retryAfterMs = wording.retryAfterMs
      ? wording.retryAfterMs(answer)
      : parseRetryAfter(answer.headers["retry-after"], this.now());
    const message =
      status === 429
        ? `${what}: ${wording.rateLimited} (${answered}); will retry`
        : `${what}: ${wording.service} answered ${answered}; will retry`;
    return this.fail(message, { retryable: true, retryAfterMs, status });
  }
}

/**
 * The start of an answer's body for a message: whitespace collapsed, at most `max` characters.
 *
 * @example
 * ```ts
 * bodyExcerpt("<html>\n  <h1>Bad Gateway</h1>"); // "<html> <h1>Bad Gateway</h1>"
 * ```
 */
export function bodyExcerpt(text: string, max = 300): string {
  return text.replace(/\s+/g, " ").trim().slice(0, max);
}
