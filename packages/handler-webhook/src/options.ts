import {
  type Duration,
  isDuration,
  jsonTemplateSchema,
  secretRefSchema,
  stringOrSecret,
} from "@amstaff/core";
import { z } from "zod";

/** The id of the webhook handler plugin, its npm package name. */
export const webhookPluginId = "@amstaff/handler-webhook";

/** Headers the handler always sets itself; options may not override them. */
export const reservedHeaders = [
  "content-type",
  "content-length",
  "host",
  "idempotency-key",
  "transfer-encoding",
  "user-agent",
  "x-amstaff-attempt",
  "x-amstaff-signature",
] as const;

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const lineBreak = /[\r\n\0]/;

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "";
}

/** Validates the options of {@link webhook} and {@link webhookHandler}, applying defaults. */
export const webhookOptionsSchema = z.strictObject({
  /**
   * Where to send transitions: an `http://` or `https://` URL. Its query string is sent but never shown
   * in the handler's name or in error messages; put tokens in `headers` with `secret("NAME")` instead.
   */
  url: z.string().refine(isHttpUrl, "an http:// or https:// URL"),
  /**
   * Extra request headers, each a literal string or a `secret("NAME")` resolved on the node that sends.
   * The headers the handler sets itself (`content-type`, `user-agent`, `idempotency-key`,
   * `x-amstaff-attempt`, `x-amstaff-signature`, ...) cannot be overridden.
   * @default {}
   */
  headers: z
    .record(
      z.string(),
      z.union([
        z.string().refine((v) => !lineBreak.test(v), "a header value without line breaks"),
        secretRefSchema,
      ]),
    )
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!headerName.test(name)) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: "a header name (letters, digits and !#$%&'*+.^_`|~-)",
          });
        } else if ((reservedHeaders as readonly string[]).includes(name.toLowerCase())) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: "this header is set by the webhook handler itself",
          });
        }
      }
    })
    .optional(),
  /**
   * The HTTP method.
   * @default "POST"
   */
  method: z.enum(["POST", "PUT"]).default("POST"),
  /**
   * How long one attempt may take, from connecting to reading the answer, e.g. `"5s"`.
   * @default "10s"
   */
  timeout: (
    z.string().refine(isDuration, 'a duration like "10s" or "500ms"') as unknown as z.ZodType<Duration>
  ).default("10s"),
  /**
   * When set, each request carries `X-Amstaff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
   * so the receiver can check it came from Amstaff (see `verifyWebhookSignature`). Use `secret("NAME")`.
   * @default undefined (requests are not signed)
   */
  signingSecret: stringOrSecret.optional(),
  /**
   * A JSON body of your own design instead of the standard payload, for receivers that expect their own
   * format (a chat tool's incoming webhook, an incident tool's events API). Every string in it is a
   * template: `{{module}}`, `{{monitor}}`, `{{TO}}`, `{{message}}`, `{{since}}`, `{{incident}}`, ... (see
   * `templateVariables` in `@amstaff/core`); keys, numbers, booleans and nulls are sent as written.
   * @example { content: "{{TO}}: {{module}} / {{monitor}} — {{message}}" }
   * @default undefined (the standard versioned payload)
   */
  body: jsonTemplateSchema.optional(),
});

/** Options of the webhook handler, as written in a module file. */
export type WebhookOptions = z.input<typeof webhookOptionsSchema>;

/** Options of the webhook handler after validation, defaults applied. */
export type ParsedWebhookOptions = z.output<typeof webhookOptionsSchema>;
