import { type Duration, isDuration, stringOrSecret } from "@amstaff/core";
import { z } from "zod";

/** The plugin id of this package, also its npm name. */
export const graphitePluginId = "@amstaff/sampler-graphite";

/**
 * How the datapoints of one series over the window become one value:
 * - `avg`: the mean of the non-null datapoints (one spike does not page anyone);
 * - `last`: the most recent non-null datapoint (react as soon as Graphite has it);
 * - `min` / `max`: the lowest / highest non-null datapoint;
 * - `sum`: the total of the non-null datapoints (counts: errors, requests).
 */
export const graphiteAggregations = ["avg", "last", "min", "max", "sum"] as const;

/** A way to reduce a series' datapoints to one value; see {@link graphiteAggregations}. */
export type GraphiteAggregation = (typeof graphiteAggregations)[number];

/** The statuses `onMissing` may give to a series (or a target) without data. */
export const missingDataStatuses = ["unknown", "ok", "warning", "critical"] as const;

/** A header name as RFC 9110 defines a token, so a typo is caught at validation rather than at probe time. */
const headerNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Validates the options of a Graphite sampler and applies their defaults.
 *
 * Secrets in `headers` stay `secret("NAME")` references here; they are resolved on the node that probes.
 */
export const graphiteSamplerOptionsSchema = z
  .strictObject({
    /**
     * The base URL of graphite-web, `http://` or `https://`, with its path prefix if it has one; the
     * sampler requests `<url>/render`. `user:password@` in the URL is sent as basic authentication and
     * never shown in results.
     * @example "https://graphite.example.com"
     */
    url: z.string().refine((value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === "http:" || url.protocol === "https:") &&
          url.hostname !== "" &&
          url.search === "" &&
          url.hash === ""
        );
      } catch {
        return false;
      }
    }, 'the base URL of graphite-web, http:// or https:// without a query, like "https://graphite.example.com"'),
    /**
     * A Graphite target: a metric path, a wildcard, or a function of them. Every series it returns is judged.
     * @example "servers.web*.cpu.total"
     * @example "sumSeries(stats.checkout.errors.*)"
     */
    target: z.string().trim().min(1, 'a Graphite target, like "servers.web1.cpu"'),
    /**
     * The start of the window, in Graphite's syntax (`-5min`, `-1h`, `-2d`, `14:00_20250101`).
     * @default "-5min"
     */
    from: z.string().trim().min(1, 'a Graphite time, like "-5min"').default("-5min"),
    /**
     * The end of the window, in Graphite's syntax.
     * @default "now"
     */
    until: z.string().trim().min(1, 'a Graphite time, like "now" or "-1min"').default("now"),
    /**
     * How each series' datapoints over the window become the one value judged against the thresholds:
     * `avg`, `last` (most recent non-null), `min`, `max` or `sum`. Null datapoints are skipped.
     * @default "avg" (a single spike does not page anyone; use `last` to react to the newest point)
     */
    aggregation: z.enum(graphiteAggregations).default("avg"),
    /**
     * The value at which a series becomes `warning` (reached or crossed, in `direction`).
     * @default undefined (no warning threshold)
     */
    warning: z.number().finite().optional(),
    /**
     * The value at which a series becomes `critical` (reached or crossed, in `direction`).
     * @default undefined (no critical threshold)
     */
    critical: z.number().finite().optional(),
    /**
     * Whether values `above` the thresholds are bad (CPU, latency, errors) or values `below` them
     * (free disk, throughput).
     * @default "above"
     */
    direction: z.enum(["above", "below"]).default("above"),
    /**
     * The status of a series whose datapoints over the window are all null, and of a target that
     * returns no series at all (a typo, a host that stopped reporting).
     * @default "unknown"
     */
    onMissing: z.enum(missingDataStatuses).default("unknown"),
    /**
     * Request headers, e.g. `{ authorization: secret("GRAPHITE_TOKEN") }`. Values may be
     * `secret("NAME")` references, resolved from the environment of the node that probes; header
     * values never appear in results or errors.
     * @default {}
     */
    headers: z
      .record(
        z.string().regex(headerNamePattern, "a valid HTTP header name (letters, digits and -, no spaces)"),
        stringOrSecret,
      )
      .optional(),
    /**
     * How long the render request may take, from connecting to the end of the body, written like
     * `"10s"` or `"500ms"`. A Graphite that takes longer gives an `unknown` result.
     * @default "10s"
     */
    timeout: (
      z
        .string()
        .refine(isDuration, 'a duration like "10s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
    ).default("10s"),
  })
  .superRefine((options, ctx) => {
    const { warning, critical, direction } = options;
    if (warning === undefined || critical === undefined) return;
    if (direction === "above" && warning >= critical) {
      ctx.addIssue({
        code: "custom",
        path: ["warning"],
        message: 'must be lower than critical when direction is "above"',
      });
    }
    if (direction === "below" && warning <= critical) {
      ctx.addIssue({
        code: "custom",
        path: ["warning"],
        message: 'must be higher than critical when direction is "below"',
      });
    }
  });

/** Options of a Graphite sampler, as written by users (defaults not yet applied). */
export type GraphiteSamplerOptions = z.input<typeof graphiteSamplerOptionsSchema>;

/** Options of a Graphite sampler after validation, defaults applied. */
export type ParsedGraphiteSamplerOptions = z.output<typeof graphiteSamplerOptionsSchema>;
