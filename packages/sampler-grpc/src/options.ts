import {
  certificateAuthoritySchema,
  type Duration,
  isDuration,
  latencyThresholdsSchema,
  sampleStatuses,
  secretRefSchema,
} from "@amstaff/core";
import { z } from "zod";

/** The plugin id of this package, also its npm name. */
export const grpcPluginId = "@amstaff/sampler-grpc";

const statusSchema = z.enum(sampleStatuses);

/** Validates the `tls` option: TLS on the channel, and how the server's certificate is verified. */
export const grpcTlsSchema = z
  .strictObject({
    /**
     * The server name sent in TLS's SNI and checked against the certificate (also the call's `:authority`).
     * @default the `host` option
     */
    servername: z.string().min(1, "a host name").optional(),
    /**
     * The certificate authority (PEM) that signed the server's certificate, for private CAs and
     * self-signed certificates; may be a `secret("NAME")`. It replaces the system's trust store.
     * @default undefined (the system's trust store)
     */
    ca: certificateAuthoritySchema.optional(),
    /**
     * DANGEROUS: accept any certificate, expired, self-signed or for another host. For test environments
     * only; prefer `ca`.
     * @default false
     */
    insecure: z.boolean().default(false),
  })
  .refine((tls) => !(tls.insecure && tls.ca !== undefined), {
    path: ["ca"],
    message: "has no effect with insecure: true, which skips verification; remove one of them",
  });

/**
 * Why gRPC would refuse `key` as metadata a client sends, if it would: keys are lower-case ASCII letters,
 * digits, `-`, `_` and `.`, neither reserved (`grpc-`) nor binary (`-bin`, whose values are bytes, not text).
 */
function metadataKeyProblem(key: string): string | undefined {
  if (!/^[0-9a-z_.-]+$/.test(key)) return "a lower-case metadata key like authorization or x-api-key";
  if (key.startsWith("grpc-")) return "grpc- keys are reserved for gRPC itself";
  if (key.endsWith("-bin")) return "binary (-bin) metadata is not supported";
  return undefined;
}

/**
 * Validates the options of a gRPC health sampler and applies their defaults.
 *
 * Secrets (`metadata` values, `tls.ca`) stay `secret("NAME")` references here; they are resolved on the node
 * that probes.
 */
export const grpcSamplerOptionsSchema = z.strictObject({
  /**
   * The host name or IP address of the gRPC server.
   * @example "orders.internal"
   */
  host: z.string().min(1, "a host name or IP address"),
  /**
   * The port of the gRPC server.
   * @example 50051
   */
  port: z
    .number()
    .int("a whole number")
    .min(1, "a port from 1 to 65535")
    .max(65535, "a port from 1 to 65535"),
  /**
   * The service whose health is asked, as the server registered it (usually its full name, like
   * `"orders.v1.Orders"`); `""` asks about the server as a whole.
   * @default ""
   */
  service: z.string().default(""),
  /**
   * The call's deadline, written like `"5s"` or `"500ms"`: connecting, the TLS handshake and the answer
   * must fit in it. A call that does not is `critical` (DEADLINE_EXCEEDED).
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
  ).default("10s"),
  /**
   * Metadata (headers) sent with the call, like `{ authorization: secret("HEALTH_TOKEN") }`; each value a
   * text or a `secret("NAME")`, never shown in results.
   * @default {} (none)
   */
  metadata: z
    .record(z.string(), z.union([z.string(), secretRefSchema], { error: 'a text or secret("NAME")' }))
    .superRefine((metadata, context) => {
      for (const key of Object.keys(metadata)) {
        const message = metadataKeyProblem(key);
        if (message !== undefined) context.addIssue({ code: "custom", path: [key], message });
      }
    })
    .default({}),
  /**
   * Connect with TLS: `{}` verifies the server against the system's trust store; see each field.
   * @default undefined (plaintext HTTP/2)
   */
  tls: grpcTlsSchema.optional(),
  /**
   * The status when the server answers `UNKNOWN` (it does not know the service's health yet, often while
   * starting).
   * @default "critical"
   */
  onUnknown: statusSchema.default("critical"),
  /**
   * The status when the server does not know the `service` at all (the call fails with NOT_FOUND, or the
   * server answers `SERVICE_UNKNOWN`). `"ok"` monitors that a retired service stays gone.
   * @default "critical"
   */
  onServiceUnknown: statusSchema.default("critical"),
  /**
   * Latency thresholds in milliseconds, from the start of the call to its answer (connecting included).
   * Reaching `warning` makes the result `warning`, reaching `critical` makes it `critical`.
   * @default undefined (latency is measured but never judged)
   */
  latency: latencyThresholdsSchema.optional(),
});

/** Options of a gRPC health sampler, as written by users (defaults not yet applied). */
export type GrpcSamplerOptions = z.input<typeof grpcSamplerOptionsSchema>;

/** Options of a gRPC health sampler after validation, defaults applied. */
export type ParsedGrpcSamplerOptions = z.output<typeof grpcSamplerOptionsSchema>;
