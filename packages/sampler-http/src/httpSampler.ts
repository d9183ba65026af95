import {
  AmstaffError,
  checkThresholds,
  describeNetworkError,
  type JsonValue,
  type ProbeContext,
  type ProbeDeadline,
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
import { type Answer, type BodyPlan, exchange, isRedirect } from "./exchange.js";
import {
  type HttpSamplerOptions,
  httpPluginId,
  httpSamplerOptionsSchema,
  maxRedirects,
  type ParsedHttpSamplerOptions,
} from "./options.js";
import { ProbeRequest } from "./probeRequest.js";
import { describeRequest, msSince, probeDetails, type ResultInit, timeoutMessageOf } from "./probeResult.js";
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

const userAgent = "amstaff-sampler-http";
// Certificate problems are the commonest TLS failure here, and `ca` is this sampler's own way out of them.
const networkErrorWording = {
  certificateDetail: true,
  untrustedAdvice: "give the CA that signed it as `ca`",
} as const;

/** The headers of a probe that sets none of its own: one object for every such sampler of the process. */
const defaultHeaders: Readonly<Record<string, string>> = Object.freeze({ "user-agent": userAgent });
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
    // Few variables here: an async function keeps all of its registers for as long as it waits.
    const timestamp = Date.now();
    const started = performance.now();
    const deadline = probeDeadline(this.#timeoutMs, context, timeoutMessageOf(this.#timeoutMs));
    const request = new ProbeRequest(this.#options.method, this.#body, this.#headers);
    try {
      for (;;) {
        const answer = await exchange(
          this.#dispatcher(),
          request.dispatchOptions(this.#origin, this.#path),
          deadline,
          this.#plan,
          request,
        );
        if (this.#options.followRedirects && isRedirect(answer.statusCode, answer.location)) {
          const stopped = this.#redirect(answer, request, started, timestamp);
          if (stopped === undefined) continue;
          return stopped;
        }
        const judged = this.#judge(answer, request, started, timestamp, deadline);
        return judged instanceof Promise ? await judged : judged;
      }
    } catch (error) {
      return this.#failed(error, request, started, timestamp, deadline, context);
    } finally {
      deadline.dispose();
    }
  }

  /** Follows a redirect (`undefined`), or says why not. */
  #redirect(
    answer: Answer,
    request: ProbeRequest,
    started: number,
    timestamp: number,
  ): SampleResult | undefined {
    const { statusCode, location } = answer;
    const { method } = this.#options;
    const from = this.#current(request.redirected);
    if (request.redirects === maxRedirects) {
      return results.critical(`more than ${maxRedirects} redirects from ${method} ${this.#url}`, {
        durationMs: msSince(started),
        timestamp,
        details: probeDetails(this.#url, method, from, request.redirects, statusCode),
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
        `HTTP ${statusCode} from ${describeRequest(request.method, from)} redirects to an unsupported location`,
        {
          durationMs: msSince(started),
          timestamp,
          details: probeDetails(this.#url, method, from, request.redirects, statusCode),
        },
      );
    }
    request.follow(statusCode, from, next);
    return undefined;
  }

  /** The verdict on the last answer: its status, then its body (the only part that may wait), then its latency. */
  #judge(
    answer: Answer,
    request: ProbeRequest,
    started: number,
    timestamp: number,
    deadline: ProbeDeadline,
  ): SampleResult | Promise<SampleResult> {
    const options = this.#options;
    const { statusCode: status, location, read } = answer;
    const latencyMs = msSince(started);
    const init = {
      value: latencyMs,
      durationMs: latencyMs,
      timestamp,
      details: probeDetails(this.#url, options.method, request.redirected, request.redirects, status, read),
    };
    if (!this.#isOk(status)) {
      const redirectNote = isRedirect(status, location) ? `; redirects to ${location}` : "";
      const expected = options.okStatus ? options.okStatus.join(", ") : "2xx";
      return this.#withCertificate(
        "critical",
        `HTTP ${status} from ${describeRequest(request.method, this.#current(request.redirected))} (expected ${expected}${redirectNote})`,
        init,
      );
    }
    if (options.expect !== undefined) return this.#judgeBody(options.expect, answer, request, deadline, init);
    return this.#judgeLatency(status, request, init);
  }

  async #judgeBody(
    expect: NonNullable<ResolvedHttpSamplerOptions["expect"]>,
    answer: Answer,
    request: ProbeRequest,
    deadline: ProbeDeadline,
    init: ResultInit,
  ): Promise<SampleResult> {
    let failure: string | undefined;
    try {
      failure = await checkBody(expect, answer.read, deadline.signal);
    } catch (error) {
      if (!deadline.timedOut) throw error;
      failure = `body not checked: matching it took longer than the ${this.#timeoutMs} ms timeout`;
    }
    if (failure === undefined) return this.#judgeLatency(answer.statusCode, request, init);
    return this.#withCertificate(
      "critical",
      `${failure} (HTTP ${answer.statusCode} from ${describeRequest(request.method, this.#current(request.redirected))})`,
      init,
    );
  }

  #judgeLatency(status: number, request: ProbeRequest, init: ResultInit): SampleResult {
    const latencyMs = init.value;
    const rounded = Math.round(latencyMs);
    const { latency } = this.#options;
    if (latency) {
      const { status: latencyStatus, threshold } = checkThresholds(latencyMs, latency);
      if (latencyStatus !== "ok") {
        return this.#withCertificate(
          latencyStatus,
          `HTTP ${status} in ${rounded} ms, reaching the ${latencyStatus} threshold of ${threshold} ms (${describeRequest(request.method, this.#current(request.redirected))})`,
          init,
        );
      }
    }
    return this.#withCertificate("ok", `HTTP ${status} in ${rounded} ms`, init);
  }

  /** The result of a request that failed: timed out, aborted, or a network error. */
  #failed(
    error: unknown,
    request: ProbeRequest,
    started: number,
    timestamp: number,
    deadline: ProbeDeadline,
    context: ProbeContext | undefined,
  ): SampleResult {
    const { method } = request;
    const at = this.#current(request.redirected);
    const init = {
      durationMs: msSince(started),
      timestamp,
      details: probeDetails(this.#url, this.#options.method, request.redirected, request.redirects),
    };
    if (deadline.timedOut) {
      return results.critical(
        request.headers
          ? `response body from ${describeRequest(method, at)} not complete within ${this.#timeoutMs} ms`
          : `no response within ${this.#timeoutMs} ms from ${describeRequest(method, at)}`,
        init,
      );
    }
    if (context?.signal.aborted)
      return results.unknown(`probe of ${describeRequest(method, at)} aborted`, init);
    return results.critical(describeNetworkError(error, at, networkErrorWording).message, init);
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
