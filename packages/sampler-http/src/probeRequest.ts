import type { Dispatcher } from "undici";

/** Headers still sent after a redirect to another origin: none of them can carry a credential. */
const crossOriginSafeHeaders = new Set(["accept", "accept-language", "user-agent", "content-type"]);

/**
 * What one probe requests, and how a redirect changes it (fetch's rules), as one object: the probe's
 * state across its requests. Kept in the probe's own variables, it lived in the async function's saved
 * registers (47 of them) for as long as the request was under way.
 */
export class ProbeRequest {
  /** Whether a response's headers came (a timeout after them is the body's); set by the exchange. */
  headers = false;
  method: Dispatcher.HttpMethod;
  body: string | undefined;
  requestHeaders: Readonly<Record<string, string>>;
  /** Where the last redirect pointed; `undefined` while the target itself is requested. */
  redirected: URL | undefined = undefined;
  redirects = 0;

  constructor(
    method: Dispatcher.HttpMethod,
    body: string | undefined,
    requestHeaders: Readonly<Record<string, string>>,
  ) {
    this.method = method;
    this.body = body;
    this.requestHeaders = requestHeaders;
  }

  /** undici's options for the next request; `origin` and `path` are the target's. */
  dispatchOptions(origin: string, path: string): Dispatcher.DispatchOptions {
    const redirected = this.redirected;
    return {
      origin: redirected === undefined ? origin : redirected.origin,
      path: redirected === undefined ? path : `${redirected.pathname}${redirected.search}`,
      method: this.method,
      headers: this.requestHeaders,
      body: this.body ?? null,
    };
  }

  /** Follows a redirect answered with `statusCode` from `from` to `next`. */
  follow(statusCode: number, from: URL, next: URL): void {
    // Fetch semantics: 303, and 301/302 after a POST, turn into a GET without the body.
    if (
      (statusCode === 303 && this.method !== "HEAD") ||
      ((statusCode === 301 || statusCode === 302) && this.method === "POST")
    ) {
      this.method = "GET";
      this.body = undefined;
      const { "content-type": _dropped, ...rest } = this.requestHeaders;
      this.requestHeaders = rest;
    }
    if (next.origin !== from.origin) {
      this.requestHeaders = Object.fromEntries(
        Object.entries(this.requestHeaders).filter(([key]) => crossOriginSafeHeaders.has(key)),
      );
    }
    this.redirected = next;
    this.redirects += 1;
  }
}
