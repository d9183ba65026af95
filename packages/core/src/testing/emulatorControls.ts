import type { ServerResponse } from "node:http";

/** An answer an emulator gives instead of processing the request; see {@link EmulatorControls.inject}. */
export interface InjectedAnswer {
  status: number;
  /** JSON-encoded when not a string; no body when absent. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The switches every service emulator offers its tests: answers to inject, a hang for timeout tests, and a
 * fixed-window rate limit. An emulator returns its instance with its own fields added
 * (`Object.assign(controls, { url, … })`), so a test flips `emulator.hang` and the emulator sees it.
 *
 * @example
 * ```ts
 * const controls = new EmulatorControls({ limit: 20, windowMs: 60_000 });
 * const receiver = await startReceiver((req, res) => {
 *   if (controls.hang) return;
 *   const injected = controls.nextInjected();
 *   if (injected) return res.writeHead(injected.status).end();
 *   const waitMs = controls.throttle();
 *   if (waitMs !== undefined) return res.writeHead(429, { "retry-after": String(Math.ceil(waitMs / 1000)) }).end();
 *   // … the service's own answer
 * });
 * return Object.assign(controls, { url: receiver.url, close: () => receiver.close() });
 * ```
 */
export class EmulatorControls {
  /** Accept connections and never answer. */
  hang = false;
  /** This many requests per window, then 429s until the window ends. */
  rateLimit: { limit: number; windowMs: number };
  readonly #injected: InjectedAnswer[] = [];
  #windowStart = 0;
  #used = 0;

  /** @param rateLimit - the initial rate limit */
  constructor(rateLimit: { limit: number; windowMs: number }) {
    this.rateLimit = rateLimit;
  }

  /** Answers the next requests with these, in order, instead of processing them. */
  inject(...answers: InjectedAnswer[]): void {
    this.#injected.push(...answers);
  }

  /** The next injected answer, taken off the queue, or `undefined`. */
  nextInjected(): InjectedAnswer | undefined {
    return this.#injected.shift();
  }

  /**
   * Counts a request against the current window.
   * @returns `undefined` when the request is within the limit, otherwise the milliseconds until the window ends
   */
  throttle(now: number = Date.now()): number | undefined {
    if (now - this.#windowStart >= this.rateLimit.windowMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used >= this.rateLimit.limit) return this.#windowStart + this.rateLimit.windowMs - now;
    this.#used++;
    return undefined;
  }

  /**
   * What is left of the current window, for emulators whose service reports it in headers (Discord's
   * `X-RateLimit-Remaining` and `X-RateLimit-Reset`). Read it after {@link throttle}.
   */
  quota(): { remaining: number; resetAt: number } {
    return {
      remaining: Math.max(0, this.rateLimit.limit - this.#used),
      resetAt: this.#windowStart + this.rateLimit.windowMs,
    };
  }
}

/**
 * Ends `res` with `body` as JSON (`content-type: application/json` and its `content-length`), or with an
 * empty body when `body` is `undefined`; `headers` are added last, so they may override the content type.
 *
 * @example
 * ```ts
 * answerJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
 * answerJson(res, 202, undefined, { "x-ms-workflow-run-id": runId });
 * ```
 */
export function answerJson(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
