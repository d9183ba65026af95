import {
  AmstaffError,
  checkThresholds,
  describeNetworkError,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  probeDeadline,
  type Resolved,
  resolveSecrets,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
  type SampleStatus,
  worstStatus,
} from "@amstaff/core";
import type { Dispatcher } from "undici";
import { checkBody } from "./bodyExpectation.js";
import { checkCertificate } from "./certificateCheck.js";
import { type BodyPlan, exchange, isRedirect } from "./exchange.js";
import {
  type HttpSamplerOptions,
  httpPluginId,
  httpSamplerOptionsSchema,
  maxRedirects,
  type ParsedHttpSamplerOptions,
} from "./options.js";
import { sharedAgent } from "./sharedAgent.js";
import { createTlsAgent, type TlsAgent } from "./tlsAgent.js";

/** Validated HTTP sampler options whose secrets have been resolved: what {@link createHttpSampler} takes. */
export type ResolvedHttpSamplerOptions = Resolved<ParsedHttpSamplerOptions>;

/** What {@link httpSampler} takes besides the options: the sampler's identity. */
export interface HttpSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "<METHOD> <url>"
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

/** Headers still sent after a redirect to another origin: none of them can carry a credential. */
const crossOriginSafeHeaders = new Set(["accept", "accept-language", "user-agent", "content-type"]);
const userAgent = "amstaff-sampler-http";
// Certificate problems are the commonest TLS failure here, and `ca` is this sampler's own way out of them.
const networkErrorWording = {
  certificateDetail: true,
  untrustedAdvice: "give the CA that signed it as `ca`",
} as const;

/** The URL as shown in messages and details: without `user:password@`. */
function displayUrl(url: URL): string {
  const shown = new URL(url);
  shown.username = "";
  shown.password = "";
  return shown.href;
}

/** Milliseconds since `started` (a `performance.now()`), to a tenth. */
function msSince(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function describeRequest(method: string, current: URL): string {
  return `${method} ${displayUrl(current)}`;
}

/**
 * A result's details, built as one object: the latest result of every monitor is kept, and closures and
 * spreads per probe were a good part of what the probe itself allocated.
 */
function probeDetails(
  url: string,
  method: string,
  redirected: URL | undefined,
  redirects: number,
  statusCode?: number,
  read?: { bytes: number; truncated: boolean },
): Record<string, JsonValue> {
  // The common outcome as one literal: properties added to an object once made go to an array of their own.
  if (redirects === 0 && statusCode !== undefined && read !== undefined && !read.truncated)
    return { url, method, statusCode, bytes: read.bytes };
  const details: Record<string, JsonValue> = { url, method };
  if (redirects > 0 && redirected !== undefined) {
    details.finalUrl = displayUrl(redirected);
    details.redirects = redirects;
  }
  if (statusCode !== undefined) details.statusCode = statusCode;
  if (read !== undefined) {
    details.bytes = read.bytes;
    if (read.truncated) details.truncated = true;
  }
  return details;
}

/** The headers of a probe that sets none of its own: one object for every such sampler of the process. */
const defaultHeaders: Readonly<Record<string, string>> = Object.freeze({ "user-agent": userAgent });
/** `no response within <timeout> ms`, one string per timeout rather than one per sampler. */
const timeoutMessages = new Map<number, string>();

function timeoutMessageOf(timeoutMs: number): string {
  let message = timeoutMessages.get(timeoutMs);
  if (message === undefined) {
    message = `no response within ${timeoutMs} ms`;
    timeoutMessages.set(timeoutMs, message);
  }
  return message;
}

/**
 * Creates an HTTP sampler from options already validated and resolved, as the plugin's `create` receives
 * them. Most code wants {@link httpSampler} instead.
 */
export function createHttpSampler(
  options: ResolvedHttpSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  return new HttpProbe(options, identity);
}

/**
 * An HTTP sampler: one object per monitor whose probe and helpers live on the prototype. A server keeps
 * one sampler per monitor for as long as it runs (50,000 at scale): a closure per function, their shared
 * context and a parsed `URL` were about 600 bytes of each.
 */
class HttpProbe implements Sampler {
  readonly name: string;
  readonly tags: string[];
  readonly #options: ResolvedHttpSamplerOptions;
  /** The target without `user:password@`: what messages and details show, and what is requested. */
  readonly #url: string;
  // undici's top-level `request(url)` parses the URL and copies the options on every call: the target's
  // origin and path are worked out once here, and a redirect works out its own.
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #body: string | undefined;
  readonly #timeoutMs: number;
  /** What a response's body is read for: the same for every probe of this sampler. */
  readonly #plan: BodyPlan;
  /** Own TLS settings need a pool of their own; so does reading the certificate, which only a connector sees. */
  readonly #tls: TlsAgent | undefined;

  constructor(options: ResolvedHttpSamplerOptions, identity: Partial<SamplerCreateContext>) {
    const target = new URL(options.url);
    const headers: Record<string, string> = { "user-agent": userAgent };
    for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = value;
    if ((target.username || target.password) && headers.authorization === undefined) {
      const credentials = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
    }
    target.username = "";
    target.password = "";
    let body: string | undefined;
    if (typeof options.body === "string") body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    if (options.ca !== undefined && !options.ca.includes("-----BEGIN CERTIFICATE-----")) {
      // Reached only through a secret: a literal `ca` is checked by the schema. Never show the value.
      throw new AmstaffError(
        "AMS_ERR_PLUGIN_OPTIONS",
        `Invalid options for ${httpPluginId}: ca: the secret does not hold a PEM certificate (-----BEGIN CERTIFICATE----- ...)`,
        { details: { plugin: httpPluginId, issues: [{ path: ["ca"], message: "not a PEM certificate" }] } },
      );
    }
    this.#options = options;
    this.#url = target.href;
    this.#origin = target.origin;
    this.#path = `${target.pathname}${target.search}`;
    this.#headers = Object.keys(headers).length === 1 ? defaultHeaders : headers;
    this.#body = body;
    this.#timeoutMs = parseDuration(options.timeout);
    this.#plan = {
      maxBodyBytes: options.maxBodyBytes,
      keep: options.expect !== undefined,
      followRedirects: options.followRedirects,
    };
    this.#tls =
      options.ca !== undefined || options.insecure || options.certificate !== undefined
        ? createTlsAgent({ ca: options.ca, insecure: options.insecure })
        : undefined;
    this.name = identity.name ?? `${options.method} ${this.#url}`;
    this.tags = [...(identity.tags ?? [])];
  }

  #isOk(status: number): boolean {
    const { okStatus } = this.#options;
    return okStatus ? okStatus.includes(status) : status >= 200 && status < 300;
  }

  /** The URL last requested: where a probe was redirected to, else the target. */
  #current(redirected: URL | undefined): URL {
    return redirected ?? new URL(this.#url);
  }

  #dispatcher(): Dispatcher {
    return this.#tls?.agent ?? sharedAgent();
  }

  /** Adds what the certificate says to an HTTP verdict: its details always, its status when it is worse. */
  #withCertificate(
    status: SampleStatus,
    message: string,
    init: { details: Record<string, JsonValue> } & Record<string, unknown>,
  ): SampleResult {
    const options = this.#options;
    if (options.certificate === undefined && !options.insecure && options.ca === undefined) {
      return results.of(status, message, init);
    }
    const certificate = this.#tls?.certificateOf(new URL(this.#url));
    if (certificate === undefined) return results.of(status, message, init);
    const { validToMs: _ms, ...shown } = certificate;
    const verdict = checkCertificate(certificate, options.certificate ?? {}, Date.now());
    const details = { ...init.details, certificate: { ...shown, daysLeft: verdict.daysLeft } };
    if (options.certificate === undefined) return results.of(status, message, { ...init, details });
    const worst = worstStatus([status, verdict.status]);
    const combined =
      worst === verdict.status && worst !== status
        ? `${verdict.message} (${message})`
        : `${message}; ${verdict.message}`;
    return results.of(worst, combined, { ...init, details });
  }

  async probe(context?: ProbeContext): Promise<SampleResult> {
    const options = this.#options;
    const url = this.#url;
    const timeoutMs = this.#timeoutMs;
    const timestamp = Date.now();
    const started = performance.now();
    const deadline = probeDeadline(timeoutMs, context, timeoutMessageOf(timeoutMs));

    // The target's own URL is parsed only when a probe needs it (`#current`): on a redirect, or to
    // describe a failure. No closure for it: one would take the probe's variables into a context object.
    let redirected: URL | undefined;
    let method: Dispatcher.HttpMethod = options.method;
    let requestBody = this.#body;
    let requestHeaders = this.#headers;
    let redirects = 0;

    // Whether a response's headers came (a timeout after them is the body's).
    const progress = { headers: false };

    try {
      for (;;) {
        const answer = await exchange(
          this.#dispatcher(),
          {
            origin: redirected === undefined ? this.#origin : redirected.origin,
            path: redirected === undefined ? this.#path : `${redirected.pathname}${redirected.search}`,
            method,
            headers: requestHeaders,
            body: requestBody ?? null,
          },
          deadline,
          this.#plan,
          progress,
        );
        const { statusCode, location } = answer;
        if (options.followRedirects && isRedirect(statusCode, location)) {
          const from = this.#current(redirected);
          if (redirects === maxRedirects) {
            return results.critical(`more than ${maxRedirects} redirects from ${options.method} ${url}`, {
              durationMs: msSince(started),
              timestamp,
              details: probeDetails(url, options.method, from, redirects, statusCode),
            });
          }
          let next: URL;
          try {
            next = new URL(location!, from);
          } catch {
            next = new URL("invalid:");
          }
          if (next.protocol !== "http:" && next.protocol !== "https:") {
            return results.critical(
              `HTTP ${statusCode} from ${describeRequest(method, from)} redirects to an unsupported location`,
              {
                durationMs: msSince(started),
                timestamp,
                details: probeDetails(url, options.method, from, redirects, statusCode),
              },
            );
          }
          // Fetch semantics: 303, and 301/302 after a POST, turn into a GET without the body.
          if (
            (statusCode === 303 && method !== "HEAD") ||
            ((statusCode === 301 || statusCode === 302) && method === "POST")
          ) {
            method = "GET";
            requestBody = undefined;
            const { "content-type": _dropped, ...rest } = requestHeaders;
            requestHeaders = rest;
          }
          if (next.origin !== from.origin) {
            requestHeaders = Object.fromEntries(
              Object.entries(requestHeaders).filter(([key]) => crossOriginSafeHeaders.has(key)),
            );
          }
          redirected = next;
          redirects += 1;
          continue;
        }

        const { read } = answer;
        const latencyMs = msSince(started);
        const status = statusCode;
        const init = {
          value: latencyMs,
          durationMs: latencyMs,
          timestamp,
          details: probeDetails(url, options.method, redirected, redirects, status, read),
        };
        if (!this.#isOk(status)) {
          const redirectNote = isRedirect(status, location) ? `; redirects to ${location}` : "";
          const expected = options.okStatus ? options.okStatus.join(", ") : "2xx";
          return this.#withCertificate(
            "critical",
            `HTTP ${status} from ${describeRequest(method, this.#current(redirected))} (expected ${expected}${redirectNote})`,
            init,
          );
        }
        if (options.expect !== undefined) {
          let failure: string | undefined;
          try {
            failure = await checkBody(options.expect, read, deadline.signal);
          } catch (error) {
            if (!deadline.timedOut) throw error;
            failure = `body not checked: matching it took longer than the ${timeoutMs} ms timeout`;
          }
          if (failure !== undefined)
            return this.#withCertificate(
              "critical",
              `${failure} (HTTP ${status} from ${describeRequest(method, this.#current(redirected))})`,
              init,
            );
        }
        const rounded = Math.round(latencyMs);
        if (options.latency) {
          const { status: latencyStatus, threshold } = checkThresholds(latencyMs, options.latency);
          if (latencyStatus !== "ok") {
            return this.#withCertificate(
              latencyStatus,
              `HTTP ${status} in ${rounded} ms, reaching the ${latencyStatus} threshold of ${threshold} ms (${describeRequest(method, this.#current(redirected))})`,
              init,
            );
          }
        }
        return this.#withCertificate("ok", `HTTP ${status} in ${rounded} ms`, init);
      }
    } catch (error) {
      const at = this.#current(redirected);
      const init = {
        durationMs: msSince(started),
        timestamp,
        details: probeDetails(url, options.method, redirected, redirects),
      };
      if (deadline.timedOut) {
        return results.critical(
          progress.headers
            ? `response body from ${describeRequest(method, at)} not complete within ${timeoutMs} ms`
            : `no response within ${timeoutMs} ms from ${describeRequest(method, at)}`,
          init,
        );
      }
      if (context?.signal.aborted)
        return results.unknown(`probe of ${describeRequest(method, at)} aborted`, init);
      return results.critical(describeNetworkError(error, at, networkErrorWording).message, init);
    } finally {
      deadline.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.#tls?.agent.close();
  }
}

/**
 * Creates a sampler that requests a URL and judges the response: its status, its latency, and
 * optionally its body. Use it on its own, in any Node.js program; module files use {@link httpGet} instead.
 *
 * The sampler never throws from `probe()`: an unreachable target, a timeout or a wrong status is a
 * `critical` result with a message saying what happened; an aborted probe is `unknown`. Connections are
 * pooled and kept alive in one agent shared by every HTTP sampler of the process.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` when a `secret("NAME")` header is not set in the environment.
 *
 * @example
 * ```ts
 * import { httpSampler } from "@amstaff/sampler-http";
 *
 * const health = httpSampler({ url: "https://example.com/health", expect: { json: "status", equals: "UP" } });
 * const result = await health.probe();
 * console.log(result.status, result.message); // "ok" "HTTP 200 in 42 ms"
 * ```
 */
export function httpSampler(options: HttpSamplerOptions & HttpSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: httpPluginId, options: httpSamplerOptionsSchema }, rest);
  return createHttpSampler(resolveSecrets(parsed), {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
