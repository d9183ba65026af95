import type { Readable } from "node:stream";
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
import { checkBody, type ReadBody } from "./bodyExpectation.js";
import { checkCertificate } from "./certificateCheck.js";
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

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
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
  current: URL,
  redirects: number,
  statusCode?: number,
  read?: { bytes: number; truncated: boolean },
): Record<string, JsonValue> {
  const details: Record<string, JsonValue> = { url, method };
  if (redirects > 0) {
    details.finalUrl = displayUrl(current);
    details.redirects = redirects;
  }
  if (statusCode !== undefined) details.statusCode = statusCode;
  if (read !== undefined) {
    details.bytes = read.bytes;
    if (read.truncated) details.truncated = true;
  }
  return details;
}

/**
 * Creates an HTTP sampler from options already validated and resolved, as the plugin's `create` receives
 * them. Most code wants {@link httpSampler} instead.
 */
export function createHttpSampler(
  options: ResolvedHttpSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
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
  const timeoutMs = parseDuration(options.timeout);
  const timeoutMessage = `no response within ${timeoutMs} ms`;
  const url = displayUrl(target);
  // undici's top-level `request(url)` parses the URL and copies the options on every call: the target's
  // origin and path are worked out once here, and a redirect works out its own.
  const targetOrigin = target.origin;
  const targetPath = `${target.pathname}${target.search}`;
  const isOk = (status: number) =>
    options.okStatus ? options.okStatus.includes(status) : status >= 200 && status < 300;
  const expected = options.okStatus ? options.okStatus.join(", ") : "2xx";
  if (options.ca !== undefined && !options.ca.includes("-----BEGIN CERTIFICATE-----")) {
    // Reached only through a secret: a literal `ca` is checked by the schema. Never show the value.
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${httpPluginId}: ca: the secret does not hold a PEM certificate (-----BEGIN CERTIFICATE----- ...)`,
      { details: { plugin: httpPluginId, issues: [{ path: ["ca"], message: "not a PEM certificate" }] } },
    );
  }
  // Own TLS settings need a pool of their own; so does reading the certificate, which only a connector sees.
  const tls: TlsAgent | undefined =
    options.ca !== undefined || options.insecure || options.certificate !== undefined
      ? createTlsAgent({ ca: options.ca, insecure: options.insecure })
      : undefined;
  const dispatcher = () => tls?.agent ?? sharedAgent();

  /** Adds what the certificate says to an HTTP verdict: its details always, its status when it is worse. */
  function withCertificate(
    status: SampleStatus,
    message: string,
    init: { details: Record<string, JsonValue> } & Record<string, unknown>,
  ): SampleResult {
    if (options.certificate === undefined && !options.insecure && options.ca === undefined) {
      return results.of(status, message, init);
    }
    const certificate = tls?.certificateOf(target);
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

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const deadline = probeDeadline(timeoutMs, context?.signal, timeoutMessage);

    let current = target;
    let method: Dispatcher.HttpMethod = options.method;
    let requestBody = body;
    let requestHeaders = headers;
    let redirects = 0;
    let receivedHeaders = false;

    try {
      for (;;) {
        const response = await dispatcher().request({
          origin: current === target ? targetOrigin : current.origin,
          path: current === target ? targetPath : `${current.pathname}${current.search}`,
          method,
          headers: requestHeaders,
          body: requestBody ?? null,
          signal: deadline.signal,
        });
        receivedHeaders = true;
        const rawLocation = response.headers.location;
        const location = Array.isArray(rawLocation) ? rawLocation[0] : rawLocation;
        if (options.followRedirects && redirectStatuses.has(response.statusCode) && location) {
          await response.body.dump({ limit: 64 * 1024, signal: deadline.signal });
          if (redirects === maxRedirects) {
            return results.critical(`more than ${maxRedirects} redirects from ${options.method} ${url}`, {
              durationMs: msSince(started),
              timestamp,
              details: probeDetails(url, options.method, current, redirects, response.statusCode),
            });
          }
          let next: URL;
          try {
            next = new URL(location, current);
          } catch {
            next = new URL("invalid:");
          }
          if (next.protocol !== "http:" && next.protocol !== "https:") {
            return results.critical(
              `HTTP ${response.statusCode} from ${describeRequest(method, current)} redirects to an unsupported location`,
              {
                durationMs: msSince(started),
                timestamp,
                details: probeDetails(url, options.method, current, redirects, response.statusCode),
              },
            );
          }
          // Fetch semantics: 303, and 301/302 after a POST, turn into a GET without the body.
          if (
            (response.statusCode === 303 && method !== "HEAD") ||
            ((response.statusCode === 301 || response.statusCode === 302) && method === "POST")
          ) {
            method = "GET";
            requestBody = undefined;
            const { "content-type": _dropped, ...rest } = requestHeaders;
            requestHeaders = rest;
          }
          if (next.origin !== current.origin) {
            requestHeaders = Object.fromEntries(
              Object.entries(requestHeaders).filter(([key]) => crossOriginSafeHeaders.has(key)),
            );
          }
          current = next;
          redirects += 1;
          continue;
        }

        const read = await readBody(response.body, options.maxBodyBytes, options.expect !== undefined);
        const latencyMs = msSince(started);
        const status = response.statusCode;
        const init = {
          value: latencyMs,
          durationMs: latencyMs,
          timestamp,
          details: probeDetails(url, options.method, current, redirects, status, read),
        };
        if (!isOk(status)) {
          const redirectNote = redirectStatuses.has(status) && location ? `; redirects to ${location}` : "";
          return withCertificate(
            "critical",
            `HTTP ${status} from ${describeRequest(method, current)} (expected ${expected}${redirectNote})`,
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
            return withCertificate(
              "critical",
              `${failure} (HTTP ${status} from ${describeRequest(method, current)})`,
              init,
            );
        }
        const rounded = Math.round(latencyMs);
        if (options.latency) {
          const { status: latencyStatus, threshold } = checkThresholds(latencyMs, options.latency);
          if (latencyStatus !== "ok") {
            return withCertificate(
              latencyStatus,
              `HTTP ${status} in ${rounded} ms, reaching the ${latencyStatus} threshold of ${threshold} ms (${describeRequest(method, current)})`,
              init,
            );
          }
        }
        return withCertificate("ok", `HTTP ${status} in ${rounded} ms`, init);
      }
    } catch (error) {
      const init = {
        durationMs: msSince(started),
        timestamp,
        details: probeDetails(url, options.method, current, redirects),
      };
      if (deadline.timedOut) {
        return results.critical(
          receivedHeaders
            ? `response body from ${describeRequest(method, current)} not complete within ${timeoutMs} ms`
            : `no response within ${timeoutMs} ms from ${describeRequest(method, current)}`,
          init,
        );
      }
      if (context?.signal.aborted)
        return results.unknown(`probe of ${describeRequest(method, current)} aborted`, init);
      return results.critical(describeNetworkError(error, current, networkErrorWording).message, init);
    } finally {
      deadline.dispose();
    }
  }

  return {
    name: identity.name ?? `${options.method} ${url}`,
    tags: [...(identity.tags ?? [])],
    probe,
    async dispose() {
      await tls?.agent.close();
    },
  };
}

const noBody = Buffer.alloc(0);

/**
 * Reads a response body up to `maxBodyBytes`, keeping its bytes only when `keep`. Through the stream's
 * events rather than `for await`: its async iterator allocates an async generator, an end-of-stream watcher
 * and a promise per chunk, about 3 KB per probe (`bench memory/probeAllocations.ts`).
 */
function readBody(
  stream: Readable,
  maxBodyBytes: number,
  keep: boolean,
): Promise<ReadBody & { bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    let settled = false;
    // The error listener stays: an error emitted after the body was read must not go unhandled.
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("close", onClose);
      if (error !== undefined) reject(error);
      else resolve({ raw: keep ? Buffer.concat(chunks) : noBody, truncated, maxBodyBytes, bytes });
    };
    const onData = (chunk: Buffer) => {
      const room = maxBodyBytes - bytes;
      if (chunk.length > room) {
        if (keep) chunks.push(chunk.subarray(0, room));
        bytes += room;
        truncated = true;
        finish();
        // The rest of a large body is never downloaded.
        stream.destroy();
        return;
      }
      if (keep) chunks.push(chunk);
      bytes += chunk.length;
    };
    const onEnd = () => finish();
    const onError = (error: unknown) => finish(error);
    const onClose = () => finish(new Error("the response body ended early"));
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
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
