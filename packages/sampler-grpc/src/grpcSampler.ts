import {
  checkThresholds,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  type Resolved,
  requirePemCertificate,
  resolveSecrets,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
  type SampleStatus,
} from "@amstaff/core";
import { callHealthCheck, type HealthCallOutcome } from "./healthCall.js";
import {
  type GrpcSamplerOptions,
  grpcPluginId,
  grpcSamplerOptionsSchema,
  type ParsedGrpcSamplerOptions,
} from "./options.js";

/** Validated gRPC sampler options whose secrets have been resolved: what {@link createGrpcSampler} takes. */
export type ResolvedGrpcSamplerOptions = Resolved<ParsedGrpcSamplerOptions>;

/** What {@link grpcSampler} takes besides the options: the sampler's identity. */
export interface GrpcSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "grpc <host>:<port>" followed by the service, when there is one
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

/** gRPC status codes the sampler words itself (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const grpcCodes = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNIMPLEMENTED: 12, UNAVAILABLE: 14 };

/**
 * Why a channel could not connect, in the words of the underlying error: grpc-js wraps it in its own
 * ("No connection established. Last error: ... Resolution note: ") and Node adds advice about its
 * `--use-system-ca` flag that the reader of a result cannot act on.
 */
function connectionFailure(details: string): string {
  const reason = details
    .replace(/^No connection established\. Last error: /, "")
    .replace(/\. Resolution note: .*$/, "")
    .replace(/^Error(?: \[[A-Z_]+\])?: /, "")
    .replace(/; if the root CA is installed locally, try running Node\.js with --use-system-ca$/, "");
  const untrusted = /unable to (verify|get local issuer)|self[- ]signed/i.test(reason);
  return untrusted ? `${reason}; give the CA that signed it as \`tls.ca\`` : reason;
}

/**
 * Creates a gRPC health sampler from options already validated and resolved, as the plugin's `create`
 * receives them. Most code wants {@link grpcSampler} instead.
 */
export function createGrpcSampler(
  options: ResolvedGrpcSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  requirePemCertificate(grpcPluginId, ["tls", "ca"], options.tls?.ca);
  const address = `${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
  const { service } = options;
  const subject = service === "" ? address : `${service} at ${address}`;
  const deadlineMs = parseDuration(options.timeout);

  /** The verdict on what the call ended with, before latency is judged. */
  function judge(outcome: HealthCallOutcome): { status: SampleStatus; message: string } {
    if (outcome.answered) {
      switch (outcome.status) {
        case "SERVING":
          return { status: "ok", message: `${subject} is SERVING` };
        case "NOT_SERVING":
          return { status: "critical", message: `${subject} is NOT_SERVING` };
        case "UNKNOWN":
          return { status: options.onUnknown, message: `${subject} reports its health as UNKNOWN` };
        case "SERVICE_UNKNOWN":
          return {
            status: options.onServiceUnknown,
            message: `${address} does not know ${quoted()} (SERVICE_UNKNOWN)`,
          };
        default:
          return {
            status: "critical",
            message: `${subject} answered an unknown serving status, ${outcome.status}`,
          };
      }
    }
    const why = outcome.details === "" ? "" : `: ${outcome.details}`;
    switch (outcome.code) {
      case grpcCodes.NOT_FOUND:
        return {
          status: options.onServiceUnknown,
          message: `${address} does not know ${quoted()} (NOT_FOUND)`,
        };
      case grpcCodes.UNAVAILABLE:
        return {
          status: "critical",
          message: `${address} is unavailable: ${connectionFailure(outcome.details)} (UNAVAILABLE)`,
        };
      case grpcCodes.DEADLINE_EXCEEDED:
        return {
          status: "critical",
          message: `no answer from ${address} within ${deadlineMs} ms (DEADLINE_EXCEEDED)`,
        };
      case grpcCodes.UNIMPLEMENTED:
        return {
          status: "critical",
          message: `${address} does not implement the gRPC health service grpc.health.v1.Health (UNIMPLEMENTED)`,
        };
      default:
        return {
          status: "critical",
          message: `health check of ${subject} failed (${outcome.codeName}${why})`,
        };
    }
  }

  function quoted(): string {
    return service === "" ? 'the server\'s health (service "")' : `the service "${service}"`;
  }

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const outcome = await callHealthCheck({
      address,
      service,
      metadata: options.metadata,
      tls: options.tls,
      deadlineMs,
      signal: context?.signal,
    });
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const details: Record<string, JsonValue> = {
      host: options.host,
      port: options.port,
      service,
      ...(outcome.answered ? { servingStatus: outcome.status } : { grpcStatus: outcome.codeName }),
    };
    if (!outcome.answered && outcome.code === grpcCodes.CANCELLED && context?.signal.aborted) {
      return results.unknown(`health check of ${subject} aborted`, {
        durationMs: latencyMs,
        timestamp,
        details,
      });
    }
    const verdict = judge(outcome);
    const init = {
      durationMs: latencyMs,
      timestamp,
      details,
      ...(outcome.answered ? { value: latencyMs } : {}),
    };
    const took = `in ${Math.round(latencyMs)} ms`;
    if (!outcome.answered || verdict.status !== "ok" || options.latency === undefined) {
      return results.of(
        verdict.status,
        outcome.answered ? `${verdict.message} ${took}` : verdict.message,
        init,
      );
    }
    const { status, threshold } = checkThresholds(latencyMs, options.latency);
    const reached = status === "ok" ? "" : `, reaching the ${status} threshold of ${threshold} ms`;
    return results.of(status, `${verdict.message} ${took}${reached}`, init);
  }

  return {
    name: identity.name ?? `grpc ${address}${service === "" ? "" : ` ${service}`}`,
    tags: [...(identity.tags ?? [])],
    probe,
  };
}

/**
 * Creates a sampler that asks a gRPC server for its health with the standard health protocol
 * (`grpc.health.v1.Health/Check`), for one service or (`service: ""`) the server as a whole, and judges the
 * answer and the time it took. Use it on its own, in any Node.js program; module files use {@link grpc}
 * instead.
 *
 * SERVING is `ok`, NOT_SERVING `critical`, UNKNOWN and an unknown service as `onUnknown` and
 * `onServiceUnknown` say. The sampler never throws from `probe()`: an unreachable server, a TLS failure, a
 * missed deadline or a server without the health service is a `critical` result saying so; an aborted probe
 * is `unknown`.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` when a `secret("NAME")` is not set in the environment.
 *
 * @example
 * ```ts
 * import { grpcSampler } from "@amstaff/sampler-grpc";
 *
 * const orders = grpcSampler({ host: "127.0.0.1", port: 50051, service: "orders.v1.Orders" });
 * const result = await orders.probe();
 * console.log(result.status, result.message); // "ok" "orders.v1.Orders at 127.0.0.1:50051 is SERVING in 3 ms"
 * ```
 */
export function grpcSampler(options: GrpcSamplerOptions & GrpcSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: grpcPluginId, options: grpcSamplerOptionsSchema }, rest);
  return createGrpcSampler(resolveSecrets(parsed), {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
