import {
  certificateAuthoritySchema,
  type Duration,
  isDuration,
  latencyThresholdsSchema,
  secretRefSchema,
  stringOrSecret,
} from "@amstaff/core";
import { z } from "zod";
import { messageExpectationSchema } from "./messageExpectation.js";

/** The plugin id of this package, also its npm name. */
export const websocketPluginId = "@amstaff/sampler-websocket";

/** A header name or subprotocol as RFC 9110 defines a token, so a typo is caught at validation. */
const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers the WebSocket handshake sets itself (RFC 6455 §4.1); setting them would break it. */
const handshakeHeaders = new Set([
  "connection",
  "upgrade",
  "host",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
]);

/**
 * Validates the options of a WebSocket sampler and applies their defaults.
 *
 * Secrets (`headers` values, `send`, `ca`) stay `secret("NAME")` references here; they are resolved on the
 * node that probes.
 */
export const websocketSamplerOptionsSchema = z
  .strictObject({
    /**
     * The URL to connect to, `ws://` or `wss://`.
     * @example "wss://stream.example.com/live"
     */
    url: z.string().refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "ws:" || url.protocol === "wss:") && url.hostname !== "";
      } catch {
        return false;
      }
    }, 'an absolute ws:// or wss:// URL, like "wss://stream.example.com/live"'),
    /**
     * Headers sent with the opening handshake, like `authorization`. Values may be `secret("NAME")`
     * references; header values never appear in results or errors.
     * @default {}
     */
    headers: z
      .record(
        z
          .string()
          .regex(tokenPattern, "a valid HTTP header name (letters, digits and -, no spaces)")
          .refine(
            (name) => !handshakeHeaders.has(name.toLowerCase()),
            "set by the WebSocket handshake itself (use subprotocols for Sec-WebSocket-Protocol)",
          ),
        stringOrSecret,
      )
      .optional(),
    /**
     * Subprotocols offered in `Sec-WebSocket-Protocol`, like `["graphql-transport-ws"]`; the server must
     * accept one of them.
     * @default [] (none offered)
     */
    subprotocols: z
      .array(z.string().regex(tokenPattern, "a subprotocol name (a token, no spaces)"))
      .optional(),
    /**
     * A text message sent once connected; may be a `secret("NAME")`, never shown in results.
     * @default undefined (nothing is sent)
     */
    send: z
      .union([z.string().min(1, "must not be empty"), secretRefSchema], {
        error: 'a text message, like "ping", or secret("NAME")',
      })
      .optional(),
    /**
     * What a message from the server must be: `{ equals }`, `{ contains }` or `{ matches, flags? }` (RE2).
     * Every message received is checked until one meets it; none before `timeout` is `critical`.
     * @default undefined (only the handshake is checked)
     */
    expect: messageExpectationSchema.optional(),
    /**
     * The largest message accepted, in bytes; a larger one fails the probe.
     * @default 65536
     */
    maxMessageBytes: z.number().int().positive().max(65_536, "at most 65536 (64 KiB)").default(65_536),
    /**
     * How long the whole probe may take (connecting, the handshake, the expected message), written like
     * `"5s"` or `"500ms"`. A probe that takes longer is `critical`.
     * @default "10s"
     */
    timeout: (
      z
        .string()
        .refine(isDuration, 'a duration like "10s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
    ).default("10s"),
    /**
     * Latency thresholds in milliseconds, from the start to the open connection (or to the expected
     * message, with `expect`). Reaching `warning` makes the result `warning`, `critical` makes it `critical`.
     * @default undefined (latency is measured but never judged)
     */
    latency: latencyThresholdsSchema.optional(),
    /**
     * The certificate authority (PEM) that signed the server's certificate, for private CAs and self-signed
     * certificates; may be a `secret("NAME")`. It replaces the system's trust store. wss:// URLs only.
     * @default undefined (the system's trust store)
     */
    ca: certificateAuthoritySchema.optional(),
    /**
     * DANGEROUS: accept any TLS certificate, so anyone on the path can impersonate the server. For test
     * environments only; prefer `ca`. wss:// URLs only.
     * @default false
     */
    insecure: z.boolean().default(false),
  })
  .superRefine((options, ctx) => {
    const secure = typeof options.url === "string" && options.url.startsWith("wss:");
    for (const key of ["ca", "insecure"] as const) {
      if (options[key] !== undefined && options[key] !== false && !secure) {
        ctx.addIssue({ code: "custom", path: [key], message: "applies to wss:// URLs only" });
      }
    }
    if (options.insecure && options.ca !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["ca"],
        message: "has no effect with insecure: true, which skips verification; remove one of them",
      });
    }
  });

/** Options of a WebSocket sampler, as written by users (defaults not yet applied). */
export type WebsocketSamplerOptions = z.input<typeof websocketSamplerOptionsSchema>;

/** Options of a WebSocket sampler after validation, defaults applied. */
export type ParsedWebsocketSamplerOptions = z.output<typeof websocketSamplerOptionsSchema>;
