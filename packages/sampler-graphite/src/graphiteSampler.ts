import {
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
} from "@amstaff/core";
import { request } from "undici";
import { judgeSeries } from "./judgeSeries.js";
import {
  type GraphiteSamplerOptions,
  graphitePluginId,
  graphiteSamplerOptionsSchema,
  type ParsedGraphiteSamplerOptions,
} from "./options.js";
import { errorExcerpt, parseRenderResponse } from "./renderResponse.js";
import { sharedAgent } from "./sharedAgent.js";

/** Validated Graphite sampler options whose secrets have been resolved: what {@link createGraphiteSampler} takes. */
export type ResolvedGraphiteSamplerOptions = Resolved<ParsedGraphiteSamplerOptions>;

/** What {@link graphiteSampler} takes besides the options: the sampler's identity. */
export interface GraphiteSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "graphite <target>"
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

/** The largest render answer read; a target that returns more is too broad to judge in one probe. */
export const maxResponseBytes = 32 * 1024 * 1024;
const userAgent = "amstaff-sampler-graphite";

/**
 * Creates a Graphite sampler from options already validated and resolved, as the plugin's `create`
 * receives them. Most code wants {@link graphiteSampler} instead.
 */
export function createGraphiteSampler(
  options: ResolvedGraphiteSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  const base = new URL(options.url);
  const headers: Record<string, string> = { accept: "application/json", "user-agent": userAgent };
  for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = value;
  if ((base.username || base.password) && headers.authorization === undefined) {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  }
  base.username = "";
  base.password = "";
  if (!base.pathname.endsWith("/")) base.pathname = `${base.pathname}/`;
  const shownUrl = base.href.replace(/\/$/, "");
  const renderUrl = new URL("render", base);
  renderUrl.search = new URLSearchParams({
    target: options.target,
    from: options.from,
    until: options.until,
    format: "json",
  }).toString();
  const timeoutMs = parseDuration(options.timeout);
  const graphite = `Graphite at ${shownUrl}`;

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const deadline = probeDeadline(timeoutMs, context, `no answer within ${timeoutMs} ms`);

    const details = (extra: Record<string, JsonValue> = {}): Record<string, JsonValue> => ({
      url: shownUrl,
      target: options.target,
      from: options.from,
      until: options.until,
      aggregation: options.aggregation,
      ...extra,
    });
    // Graphite being unreachable, failing or garbled says nothing about the metric: `unknown`, not `critical`.
    const unknown = (message: string, extra?: Record<string, JsonValue>) =>
      results.unknown(message, { durationMs: elapsed(), timestamp, details: details(extra) });

    let statusCode: number | undefined;
    try {
      const response = await request(renderUrl, {
        dispatcher: sharedAgent(),
        method: "GET",
        headers,
        signal: deadline.signal,
      });
      statusCode = response.statusCode;
      const body = await readBody(response.body);
      if (statusCode < 200 || statusCode > 299) {
        const location = [response.headers.location].flat()[0];
        const excerpt = body.truncated ? "" : errorExcerpt(body.text);
        const because = location
          ? ` (redirects to ${location}: use the final URL)`
          : excerpt
            ? `: ${excerpt}`
            : "";
        return unknown(`${graphite} answered HTTP ${statusCode} for ${options.target}${because}`, {
          statusCode,
        });
      }
      if (body.truncated) {
        return unknown(
          `${graphite} answered more than ${maxResponseBytes / 1024 / 1024} MiB for ${options.target}: narrow the target`,
          { statusCode },
        );
      }
      const parsed = parseRenderResponse(body.text);
      if (!parsed.ok) {
        return unknown(`${graphite} answered with something that is not render JSON: ${parsed.reason}`, {
          statusCode,
        });
      }
      const judgement = judgeSeries(parsed.series, options);
      return results.of(judgement.status, judgement.message, {
        ...(judgement.value === undefined ? {} : { value: judgement.value }),
        durationMs: elapsed(),
        timestamp,
        details: details(judgement.details),
      });
    } catch (error) {
      const extra: Record<string, JsonValue> = statusCode === undefined ? {} : { statusCode };
      if (deadline.timedOut) {
        return unknown(
          statusCode === undefined
            ? `no answer from ${graphite} within ${timeoutMs} ms`
            : `the answer of ${graphite} was not complete within ${timeoutMs} ms`,
          extra,
        );
      }
      if (context?.signal.aborted) return unknown(`probe of ${graphite} aborted`, extra);
      return unknown(`could not reach ${graphite}: ${describeNetworkError(error, base).message}`, extra);
    } finally {
      deadline.dispose();
    }
  }

  return {
    name: identity.name ?? `graphite ${options.target}`,
    tags: [...(identity.tags ?? [])],
    probe,
  };
}

async function readBody(stream: AsyncIterable<Buffer>): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    // Leaving the loop destroys the stream: the rest of an oversized answer is never downloaded.
    if (bytes > maxResponseBytes) return { text: "", truncated: true };
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated: false };
}

/**
 * Creates a sampler that asks Graphite's render API for a target over a window (`from`/`until`),
 * aggregates each series (`avg`, `last`, `min`, `max`, `sum`) and judges it against warning and critical
 * thresholds: the worst series decides, and every series is named in the result's `details.series`.
 * Use it on its own, in any Node.js program; module files use {@link graphite} instead.
 *
 * The sampler never throws from `probe()`: a Graphite that is unreachable, slow, failing (4xx/5xx) or
 * answering something else than render JSON gives an `unknown` result saying so, because nothing is known
 * about the metric itself. Series without data are judged by `onMissing`. Connections are pooled and kept
 * alive in one agent shared by every Graphite sampler of the process.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` when a `secret("NAME")` header is not set in the environment.
 *
 * @example
 * ```ts
 * import { graphiteSampler } from "@amstaff/sampler-graphite";
 *
 * const cpu = graphiteSampler({
 *   url: "https://graphite.example.com",
 *   target: "servers.web*.cpu.total",
 *   warning: 70,
 *   critical: 85,
 * });
 * const result = await cpu.probe();
 * console.log(result.status, result.message); // "critical" "2 of 5 series critical (worst: servers.web3.cpu.total avg 97.1 ≥ 85)"
 * ```
 */
export function graphiteSampler(options: GraphiteSamplerOptions & GraphiteSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: graphitePluginId, options: graphiteSamplerOptionsSchema }, rest);
  return createGraphiteSampler(resolveSecrets(parsed), {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
