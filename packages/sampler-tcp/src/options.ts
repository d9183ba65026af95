import {
  certificateAuthoritySchema,
  type Duration,
  isDuration,
  latencyThresholdsSchema,
  secretRefSchema,
} from "@amstaff/core";
import { z } from "zod";
import { replyExpectationSchema } from "./replyExpectation.js";

/** The plugin id of this package, also its npm name. */
export const tcpPluginId = "@amstaff/sampler-tcp";

/** Validates the `tls` option: TLS on the connection, and what to check of the server's certificate. */
export const tcpTlsSchema = z
  .strictObject({
    /**
     * The server name sent in TLS's SNI and checked against the certificate.
     * @default the `host` option, unless it is an IP address (then the certificate is checked against the address)
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
     * only; prefer `ca`. `certificate` thresholds still apply.
     * @default false
     */
    insecure: z.boolean().default(false),
    /**
     * Judge the days left before the server's certificate expires: fewer than `warningDays` makes the result
     * `warning`, fewer than `criticalDays` makes it `critical`. `{}` reports the days left without judging.
     * @default undefined (the days left are reported, not judged)
     */
    certificate: z
      .strictObject({
        /** Fewer days left than this make the result `warning`. @default undefined */
        warningDays: z.number().positive().optional(),
        /** Fewer days left than this make the result `critical`. @default undefined */
        criticalDays: z.number().positive().optional(),
      })
      .refine(
        (t) => t.warningDays === undefined || t.criticalDays === undefined || t.warningDays > t.criticalDays,
        "warningDays must be greater than criticalDays (warning comes first, as expiry approaches)",
      )
      .optional(),
  })
  .refine((tls) => !(tls.insecure && tls.ca !== undefined), {
    path: ["ca"],
    message: "has no effect with insecure: true, which skips verification; remove one of them",
  });

/**
 * Validates the options of a TCP sampler and applies their defaults.
 *
 * Secrets (`send`, `tls.ca`) stay `secret("NAME")` references here; they are resolved on the node that probes.
 */
export const tcpSamplerOptionsSchema = z.strictObject({
  /**
   * The host name or IP address to connect to.
   * @example "db.internal"
   */
  host: z.string().min(1, "a host name or IP address"),
  /**
   * The TCP port.
   * @example 5432
   */
  port: z
    .number()
    .int("a whole number")
    .min(1, "a port from 1 to 65535")
    .max(65535, "a port from 1 to 65535"),
  /**
   * How long the whole probe may take (connecting, the TLS handshake, sending and the reply), written
   * like `"5s"` or `"500ms"`. A probe that takes longer is `critical`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
  ).default("10s"),
  /**
   * Text sent once connected (UTF-8), like `"PING\r\n"`; may be a `secret("NAME")`, never shown in results.
   * @default undefined (nothing is sent)
   */
  send: z
    .union([z.string().min(1, "must not be empty"), secretRefSchema], {
      error: 'a text to send, like "PING\\r\\n", or secret("NAME")',
    })
    .optional(),
  /**
   * What the reply (or the banner the server sends first) must be: `{ equals }` (its first line),
   * `{ contains }` or `{ matches, flags? }` (RE2). A reply that fails it, or none before the timeout, is `critical`.
   * @default undefined (only the connection is checked)
   */
  expect: replyExpectationSchema.optional(),
  /**
   * The most bytes of the reply read for `expect`; a reply that has not matched by then fails.
   * @default 4096
   */
  maxReplyBytes: z.number().int().positive().max(65_536, "at most 65536 (64 KiB)").default(4096),
  /**
   * Connect with TLS: `{}` verifies the server against the system's trust store; see each field.
   * @default undefined (plain TCP)
   */
  tls: tcpTlsSchema.optional(),
  /**
   * Latency thresholds in milliseconds, from the start of the connection to the end of the probe (the
   * expected reply, when there is one). Reaching `warning` makes the result `warning`, reaching
   * `critical` makes it `critical`.
   * @default undefined (latency is measured but never judged)
   */
  latency: latencyThresholdsSchema.optional(),
});

/** Options of a TCP sampler, as written by users (defaults not yet applied). */
export type TcpSamplerOptions = z.input<typeof tcpSamplerOptionsSchema>;

/** Options of a TCP sampler after validation, defaults applied. */
export type ParsedTcpSamplerOptions = z.output<typeof tcpSamplerOptionsSchema>;
