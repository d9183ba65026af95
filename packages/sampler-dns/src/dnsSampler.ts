import { Resolver } from "node:dns/promises";
import {
  checkThresholds,
  errorCodesOf,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  probeDeadline,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
  type SampleStatus,
} from "@amstaff/core";
import { checkAnswers } from "./answerExpectation.js";
import {
  type DnsSamplerOptions,
  dnsPluginId,
  dnsSamplerOptionsSchema,
  type ParsedDnsSamplerOptions,
} from "./options.js";
import { queryRecords } from "./records.js";

/** What {@link dnsSampler} takes besides the options: the sampler's identity. */
export interface DnsSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "dns <domain> <type>"
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

/** The answers shown in a message: a few, then how many more. */
function shownAnswers(answers: readonly string[]): string {
  const first = answers.slice(0, 4).join(", ");
  return answers.length > 4 ? `${first} and ${answers.length - 4} more` : first;
}

/**
 * Creates a DNS sampler from options already validated, as the plugin's `create` receives them. Most code
 * wants {@link dnsSampler} instead.
 */
export function createDnsSampler(
  options: ParsedDnsSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  const { domain, type } = options;
  const timeoutMs = parseDuration(options.timeout);
  const via = options.resolver ?? "the system resolver";
  const query = `${domain} ${type}`;

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const details = (extra: Record<string, JsonValue> = {}): Record<string, JsonValue> => ({
      domain,
      type,
      resolver: options.resolver ?? "system",
      ...extra,
    });
    // One attempt within the whole timeout: c-ares' own retries would only split it.
    const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (options.resolver !== undefined) resolver.setServers([options.resolver]);
    const deadline = probeDeadline(timeoutMs, context, `no answer within ${timeoutMs} ms`);
    deadline.signal.addEventListener("abort", () => resolver.cancel(), { once: true });
    let answers: string[];
    try {
      if (deadline.signal.aborted) throw deadline.signal.reason;
      answers = await queryRecords(resolver, domain, type);
    } catch (error) {
      const init = { durationMs: elapsed(), timestamp, details: details() };
      if (deadline.timedOut)
        return results.critical(`no answer from ${via} within ${timeoutMs} ms for ${query}`, init);
      if (context?.signal.aborted) return results.unknown(`lookup of ${query} aborted`, init);
      return failure(errorCodesOf(error)[0] ?? "", error, init);
    } finally {
      deadline.dispose();
    }
    const latencyMs = elapsed();
    const init = { value: latencyMs, durationMs: latencyMs, timestamp, details: details({ answers }) };
    if (options.expect !== undefined) {
      const problem = checkAnswers(options.expect, type, answers);
      if (problem !== undefined) {
        return results.critical(`${query} answers ${shownAnswers(answers)}: ${problem}`, init);
      }
    }
    const found = `${query}: ${shownAnswers(answers)} in ${Math.round(latencyMs)} ms`;
    if (options.latency) {
      const { status, threshold } = checkThresholds(latencyMs, options.latency);
      if (status !== "ok")
        return results.of(status, `${found}, reaching the ${status} threshold of ${threshold} ms`, init);
    }
    return results.ok(found, init);
  }

  /** A lookup that got no answers: the policies decide NXDOMAIN, NODATA and SERVFAIL; the rest is critical. */
  function failure(
    code: string,
    error: unknown,
    init: { durationMs: number; timestamp: number; details: Record<string, JsonValue> },
  ): SampleResult {
    const withCode = (rcode: string, status: SampleStatus, message: string) =>
      results.of(status, message, { ...init, details: { ...init.details, rcode } });
    switch (code) {
      case "ENOTFOUND":
        return withCode("NXDOMAIN", options.onNxdomain, `${domain} does not exist (NXDOMAIN, from ${via})`);
      case "ENODATA":
        return withCode("NODATA", options.onNodata, `${domain} has no ${type} records (NODATA, from ${via})`);
      case "ESERVFAIL":
        return withCode("SERVFAIL", options.onServfail, `${via} failed to answer for ${query} (SERVFAIL)`);
      case "EREFUSED":
        return withCode("REFUSED", "critical", `${via} refused to answer for ${query} (REFUSED)`);
      case "ETIMEOUT":
        return results.critical(`no answer from ${via} within ${timeoutMs} ms for ${query}`, init);
      case "ECONNREFUSED":
        return results.critical(`connection refused by ${via} for ${query}`, init);
      default: {
        const reason = error instanceof Error ? error.message : String(error);
        return results.critical(`lookup of ${query} from ${via} failed: ${reason}`, init);
      }
    }
  }

  return {
    name: identity.name ?? `dns ${query}`,
    tags: [...(identity.tags ?? [])],
    probe,
  };
}

/**
 * Creates a sampler that looks up a DNS record and judges the answers, the time the lookup took, and what a
 * missing name (NXDOMAIN), a missing record (NODATA) or a failing resolver (SERVFAIL) mean. Use it on its own,
 * in any Node.js program; module files use {@link dns} instead.
 *
 * The sampler never throws from `probe()`: every failure is a result with a message naming the query and
 * the resolver; an aborted probe is `unknown`.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 *
 * @example
 * ```ts
 * import { dnsSampler } from "@amstaff/sampler-dns";
 *
 * const mx = dnsSampler({ domain: "example.com", type: "MX", expect: { contains: "10 mail.example.com" } });
 * const result = await mx.probe();
 * console.log(result.status, result.message); // "ok" "example.com MX: 10 mail.example.com in 12 ms"
 * ```
 */
export function dnsSampler(options: DnsSamplerOptions & DnsSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: dnsPluginId, options: dnsSamplerOptionsSchema }, rest);
  return createDnsSampler(parsed, {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
