import { type Duration, isDuration, secretRefSchema, stringOrSecret } from "@amstaff/core";
import { z } from "zod";
import { compileBodyPattern, maxPatternLength } from "./bodyPattern.js";

/** The plugin id of this package, also its npm name. */
export const httpPluginId = "@amstaff/sampler-http";

/** The HTTP methods a probe may use. */
export const httpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** The most redirects a probe follows before it reports the target as broken. */
export const maxRedirects = 5;

/** A header name as RFC 9110 defines a token, so a typo is caught at validation rather than at probe time. */
const headerNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const containsSchema = z.strictObject({
  /**
   * Text the body must contain, compared exactly (case-sensitive).
   * @example "UP"
   */
  contains: z.string().min(1, "must not be empty"),
});

const matchesSchema = z.strictObject({
  /**
   * A regular expression in RE2 syntax (its source, without slashes) the body must match somewhere.
   * Matching takes time linear in the body, whatever the pattern: RE2 has no backreferences and no
   * lookaround, and a pattern that uses them is refused (see the package README for every difference
   * from JavaScript's `RegExp`). At most 1,000 characters.
   * @example "\"status\"\\s*:\\s*\"(UP|OK)\""
   */
  matches: z
    .string()
    .min(1, "must not be empty")
    .max(maxPatternLength, `at most ${maxPatternLength} characters`),
  /**
   * Flags: `"i"` case-insensitive, `"m"` `^` and `$` match at line breaks, `"s"` `.` matches line breaks,
   * `"y"` the match must start at the body's first character; `"u"`, `"g"` and `"d"` are accepted and
   * change nothing. `"v"` is refused: RE2 has no set notation.
   * @default ""
   */
  flags: z
    .string()
    .regex(
      /^[dgimsuvy]*$/,
      'regular expression flags, a combination of "i", "m", "s" (and "u", "g", "d", "y")',
    )
    .optional(),
});

const jsonSchema = z.strictObject({
  /**
   * A path into the JSON body: field names and array indexes joined by dots, like `"status"`,
   * `"checks.db.status"` or `"items.0.id"`.
   */
  json: z.string().min(1, "must not be empty"),
  /** The JSON value the field must equal (deep equality: objects and arrays compare by content). */
  equals: z.json(),
});

/** Validates an assertion on the response body. */
export const bodyExpectationSchema = z.union([containsSchema, matchesSchema, jsonSchema], {
  error:
    'one of { contains: "text" }, { matches: "regex", flags?: "i" } or { json: "path.to.field", equals: value }',
});

/** An assertion on the response body: it contains a text, matches a regular expression, or has a JSON field. */
export type BodyExpectation = z.input<typeof bodyExpectationSchema>;

/**
 * Validates the options of an HTTP sampler and applies their defaults.
 *
 * Secrets in `headers` stay `secret("NAME")` references here; they are resolved on the node that probes.
 */
export const httpSamplerOptionsSchema = z
  .strictObject({
    /**
     * The URL to request, `http://` or `https://`.
     * @example "https://api.example.com/health"
     */
    url: z.string().refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
      } catch {
        return false;
      }
    }, 'an absolute http:// or https:// URL, like "https://api.example.com/health"'),
    /**
     * The HTTP method.
     * @default "GET"
     */
    method: z.enum(httpMethods).default("GET"),
    /**
     * Request headers. Values may be `secret("NAME")` references, resolved from the environment of the
     * node that probes; header values never appear in results or errors.
     * @default {}
     */
    headers: z
      .record(
        z.string().regex(headerNamePattern, "a valid HTTP header name (letters, digits and -, no spaces)"),
        stringOrSecret,
      )
      .optional(),
    /**
     * The request body: a string is sent as is; any other JSON value is serialised and sent with
     * `content-type: application/json` (unless `headers` set a content type). Not allowed with GET or HEAD.
     * @default undefined (no body)
     */
    body: z.json().optional(),
    /**
     * How long the whole request may take, from connecting to the end of the body, written like `"10s"`
     * or `"500ms"`. A request that takes longer is `critical`.
     * @default "10s"
     */
    timeout: (
      z
        .string()
        .refine(isDuration, 'a duration like "10s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
    ).default("10s"),
    /**
     * The status codes that count as healthy.
     * @default any 2xx (200-299)
     */
    okStatus: z
      .array(z.number().int().min(100, "an HTTP status code").max(599, "an HTTP status code"))
      .min(1, "list at least one status code, or omit okStatus to accept any 2xx")
      .optional(),
    /**
     * Latency thresholds in milliseconds, measured from the start of the request to the end of the body.
     * Reaching `warning` makes the result `warning`, reaching `critical` makes it `critical`.
     * @default {} (latency is measured but never judged)
     */
    latency: z
      .strictObject({
        /** Latency (ms) at which the result becomes `warning`. @default undefined */
        warning: z.number().positive().optional(),
        /** Latency (ms) at which the result becomes `critical`. @default undefined */
        critical: z.number().positive().optional(),
      })
      .refine(
        (t) => t.warning === undefined || t.critical === undefined || t.warning < t.critical,
        "warning must be lower than critical",
      )
      .optional(),
    /**
     * An assertion on the body of a response whose status is OK: `{ contains }`, `{ matches, flags? }`
     * or `{ json, equals }`. A body that fails it is `critical`.
     * @default undefined (the body is not checked)
     */
    expect: bodyExpectationSchema.optional(),
    /**
     * Whether to follow redirects (at most 5). When `false`, a 3xx is judged against `okStatus` like
     * any other status. On a redirect to another origin, only `accept`, `accept-language`, `user-agent`
     * and `content-type` headers are forwarded, so credentials never leak to a third party.
     * @default true
     */
    followRedirects: z.boolean().default(true),
    /**
     * The most bytes of the body read for checks; the rest is discarded. Larger bodies are not an error,
     * but a `json` assertion on a truncated body fails.
     * @default 1048576 (1 MiB)
     */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024, "at most 64 MiB")
      .default(1024 * 1024),
    /**
     * Judge the days left before the server's TLS certificate expires (https:// URLs only): fewer than
     * `warningDays` left makes the result `warning`, fewer than `criticalDays` makes it `critical`, and an
     * expired certificate is always `critical`. The days left, the expiry date, subject and issuer appear
     * in the result. `{}` reports the days left without judging them.
     * @default undefined (the certificate's dates are not checked beyond TLS verification)
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
    /**
     * The certificate authority (PEM, one or more `-----BEGIN CERTIFICATE-----` blocks) that signed the
     * server's certificate, for private CAs and self-signed certificates; may be a `secret("NAME")`. It
     * replaces the system's trust store for this sampler. https:// URLs only.
     * @default undefined (the system's trust store)
     */
    ca: z
      .union([z.string(), secretRefSchema], {
        error: 'a PEM certificate (-----BEGIN CERTIFICATE----- ...) or secret("NAME")',
      })
      .refine(
        (ca) => typeof ca !== "string" || ca.includes("-----BEGIN CERTIFICATE-----"),
        "a PEM certificate (-----BEGIN CERTIFICATE----- ...)",
      )
      .optional(),
    /**
     * DANGEROUS: accept any TLS certificate, expired, self-signed or for another host, so anyone on the
     * path can impersonate the server. For test environments only; prefer `ca`. `certificate` thresholds
     * still apply. https:// URLs only.
     * @default false
     */
    insecure: z.boolean().default(false),
  })
  .superRefine((options, ctx) => {
    const https = typeof options.url === "string" && options.url.startsWith("https:");
    for (const key of ["certificate", "ca"] as const) {
      if (options[key] !== undefined && !https) {
        ctx.addIssue({ code: "custom", path: [key], message: "applies to https:// URLs only" });
      }
    }
    if (options.insecure && !https) {
      ctx.addIssue({ code: "custom", path: ["insecure"], message: "applies to https:// URLs only" });
    }
    if (options.insecure && options.ca !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["ca"],
        message: "has no effect with insecure: true, which skips verification; remove one of them",
      });
    }
    if (options.body !== undefined && (options.method === "GET" || options.method === "HEAD")) {
      ctx.addIssue({
        code: "custom",
        path: ["body"],
        message: `a ${options.method} request has no body: use method "POST", "PUT" or "PATCH"`,
      });
    }
    const expect = options.expect;
    if (expect !== undefined && options.method === "HEAD") {
      ctx.addIssue({
        code: "custom",
        path: ["expect"],
        message: 'a HEAD response has no body to check: use method "GET"',
      });
    }
    if (expect !== undefined && "matches" in expect) {
      const compiled = compileBodyPattern(expect.matches, expect.flags);
      if (typeof compiled === "string") {
        ctx.addIssue({ code: "custom", path: ["expect", "matches"], message: compiled });
      }
    }
  });

/** Options of an HTTP sampler, as written by users (defaults not yet applied). */
export type HttpSamplerOptions = z.input<typeof httpSamplerOptionsSchema>;

/** Options of an HTTP sampler after validation, defaults applied. */
export type ParsedHttpSamplerOptions = z.output<typeof httpSamplerOptionsSchema>;
