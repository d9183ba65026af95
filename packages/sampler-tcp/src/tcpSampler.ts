import {
  checkThresholds,
  describeNetworkError,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  probeDeadline,
  type Resolved,
  requirePemCertificate,
  resolveSecrets,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
  type SampleStatus,
  worstStatus,
} from "@amstaff/core";
import { checkCertificate } from "./certificateCheck.js";
import { type ConversationProgress, converse } from "./conversation.js";
import {
  type ParsedTcpSamplerOptions,
  type TcpSamplerOptions,
  tcpPluginId,
  tcpSamplerOptionsSchema,
} from "./options.js";
import { describeExpectation, quoteReply, replyCheck } from "./replyExpectation.js";

/** Validated TCP sampler options whose secrets have been resolved: what {@link createTcpSampler} takes. */
export type ResolvedTcpSamplerOptions = Resolved<ParsedTcpSamplerOptions>;

/** What {@link tcpSampler} takes besides the options: the sampler's identity. */
export interface TcpSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "tcp <host>:<port>" ("tls <host>:<port>" with TLS)
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

const networkErrorWording = {
  certificateDetail: true,
  untrustedAdvice: "give the CA that signed it as `tls.ca`",
} as const;

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Creates a TCP sampler from options already validated and resolved, as the plugin's `create` receives
 * them. Most code wants {@link tcpSampler} instead.
 */
export function createTcpSampler(
  options: ResolvedTcpSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  const tls = options.tls;
  requirePemCertificate(tcpPluginId, ["tls", "ca"], tls?.ca);
  const hostPort = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
  const url = new URL(`${tls ? "https" : "http"}://${hostPort}`);
  const timeoutMs = parseDuration(options.timeout);
  const expectation = options.expect;
  const plan = {
    host: options.host,
    port: options.port,
    tls,
    send: options.send,
    check: expectation && replyCheck(expectation),
    maxReplyBytes: options.maxReplyBytes,
  };

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const progress: ConversationProgress = { reply: "", bytes: 0 };
    const deadline = probeDeadline(timeoutMs, context, `no answer within ${timeoutMs} ms`);
    const details = (): Record<string, JsonValue> => ({
      host: options.host,
      port: options.port,
      ...(progress.connectedMs === undefined ? {} : { connectMs: round(progress.connectedMs) }),
      ...(progress.protocol === undefined ? {} : { tlsProtocol: progress.protocol }),
      ...(expectation === undefined ? {} : { replyBytes: progress.bytes }),
    });
    try {
      await converse(plan, progress, deadline.signal);
    } catch (error) {
      const init = { durationMs: round(performance.now() - started), timestamp, details: details() };
      if (deadline.timedOut) {
        const message =
          progress.connectedMs === undefined
            ? `no connection to ${hostPort} within ${timeoutMs} ms`
            : expectation === undefined
              ? `${hostPort} accepted the connection but did not take the text sent within ${timeoutMs} ms`
              : `no reply with ${describeExpectation(expectation)} from ${hostPort} within ${timeoutMs} ms (received ${quoteReply(progress.reply)})`;
        return results.critical(message, init);
      }
      if (context?.signal.aborted) return results.unknown(`probe of ${hostPort} aborted`, init);
      return results.critical(describeNetworkError(error, url, networkErrorWording).message, init);
    } finally {
      deadline.dispose();
    }
    const latencyMs = round(performance.now() - started);
    const verdicts: { status: SampleStatus; message: string }[] = [];
    const extra: Record<string, JsonValue> = {};
    if (progress.verdict === "mismatch" && expectation !== undefined) {
      verdicts.push({
        status: "critical",
        message: `${hostPort} did not reply with ${describeExpectation(expectation)} (received ${quoteReply(progress.reply)})`,
      });
    }
    const what = expectation ? "replied" : "accepted the connection";
    if (options.latency) {
      const { status, threshold } = checkThresholds(latencyMs, options.latency);
      if (status !== "ok") {
        verdicts.push({
          status,
          message: `${hostPort} ${what} in ${Math.round(latencyMs)} ms, reaching the ${status} threshold of ${threshold} ms`,
        });
      }
    }
    const notes: string[] = [];
    if (tls && progress.certificate?.valid_to) {
      const verdict = checkCertificate(progress.certificate, tls.certificate ?? {}, Date.now());
      extra.certificate = verdict.details;
      if (tls.certificate !== undefined) {
        if (verdict.status === "ok") notes.push(verdict.message);
        else verdicts.push(verdict);
      }
    }
    const init = { value: latencyMs, durationMs: latencyMs, timestamp, details: { ...details(), ...extra } };
    if (verdicts.length === 0) {
      return results.ok([`${hostPort} ${what} in ${Math.round(latencyMs)} ms`, ...notes].join("; "), init);
    }
    return results.of(
      worstStatus(verdicts.map((v) => v.status)),
      verdicts.map((v) => v.message).join("; "),
      init,
    );
  }

  return {
    name: identity.name ?? `${tls ? "tls" : "tcp"} ${hostPort}`,
    tags: [...(identity.tags ?? [])],
    probe,
  };
}

/**
 * Creates a sampler that connects to `host:port` (optionally with TLS), optionally sends a text and checks
 * the reply or banner, and judges the latency and the TLS certificate. Use it on its own, in any Node.js
 * program; module files use {@link tcp} instead.
 *
 * The sampler never throws from `probe()`: a refused connection, a TLS failure, a wrong reply or a timeout is
 * a `critical` result saying what happened; an aborted probe is `unknown`.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` when a `secret("NAME")` is not set in the environment.
 *
 * @example
 * ```ts
 * import { tcpSampler } from "@amstaff/sampler-tcp";
 *
 * const redis = tcpSampler({ host: "127.0.0.1", port: 6379, send: "PING\r\n", expect: { equals: "+PONG" } });
 * const result = await redis.probe();
 * console.log(result.status, result.message); // "ok" "127.0.0.1:6379 replied in 2 ms"
 * ```
 */
export function tcpSampler(options: TcpSamplerOptions & TcpSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: tcpPluginId, options: tcpSamplerOptionsSchema }, rest);
  return createTcpSampler(resolveSecrets(parsed), {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
