import { type Duration, isDuration, latencyThresholdsSchema, parseDuration } from "@amstaff/core";
import { z } from "zod";

/** The plugin id of this package, also its npm name. */
export const icmpPluginId = "@amstaff/sampler-icmp";

function durationSchema(minimumMs: number, minimumText: string) {
  return z
    .string()
    .refine(isDuration, 'a duration like "1s" or "500ms"')
    .refine(
      (text) => !isDuration(text) || parseDuration(text as Duration) >= minimumMs,
      `at least ${minimumText}`,
    )
    .refine(
      (text) => !isDuration(text) || parseDuration(text as Duration) <= 60_000,
      "at most 1m",
    ) as unknown as z.ZodType<Duration>;
}

/** Validates the `packetLoss` option: thresholds in percent of the packets sent, `warning` lower than `critical`. */
export const packetLossThresholdsSchema = z
  .strictObject({
    /** Loss (percent, 0 to 100) at which the result becomes `warning`. @default undefined */
    warning: z.number().positive("more than 0").max(100, "a percentage, at most 100").optional(),
    /** Loss (percent, 0 to 100) at which the result becomes `critical`. @default undefined */
    critical: z.number().positive("more than 0").max(100, "a percentage, at most 100").optional(),
  })
  .refine(
    (t) => t.warning === undefined || t.critical === undefined || t.warning < t.critical,
    "warning must be lower than critical",
  );

/** Validates the options of an ICMP sampler and applies their defaults. */
export const icmpSamplerOptionsSchema = z.strictObject({
  /**
   * The host name or IP address to ping.
   * @example "router.internal"
   */
  host: z
    .string()
    .min(1, "a host name or IP address")
    .regex(/^[^-\s]/, "a host name or IP address, not an option"),
  /**
   * The IP version to ping over; `"auto"` lets the system resolver choose for a host name.
   * @default "auto"
   */
  family: z.enum(["auto", "ipv4", "ipv6"]).default("auto"),
  /**
   * How many echo requests one probe sends.
   * @default 5
   */
  count: z.number().int("a whole number").min(1, "at least 1").max(100, "at most 100").default(5),
  /**
   * The time between two echo requests; at least `"200ms"` (shorter is flooding, which older pings allow only
   * root).
   * @default "1s"
   */
  interval: durationSchema(200, '"200ms"').default("1s"),
  /**
   * How long ping waits for replies after the last request when none has come (once some have, it waits
   * twice the round trip); requests still without a reply then count as lost. The whole probe takes at most
   * about `(count - 1) × interval + timeout`.
   * @default "2s"
   */
  timeout: durationSchema(100, '"100ms"').default("2s"),
  /**
   * Packet loss thresholds in percent. Losing every packet is always `critical` (the host does not answer).
   * @default undefined (partial loss is reported, not judged)
   */
  packetLoss: packetLossThresholdsSchema.optional(),
  /**
   * Thresholds on the average round-trip time, in milliseconds.
   * @default undefined (round trips are measured but never judged)
   */
  roundTrip: latencyThresholdsSchema.optional(),
  /**
   * The `ping` executable (iputils or BusyBox): a path, or a name looked up on `PATH`. Set it where `ping`
   * lives off the `PATH`, or to a stand-in in tests.
   * @default "ping"
   */
  pingPath: z.string().min(1, "a path to ping").default("ping"),
});

/** Options of an ICMP sampler, as written by users (defaults not yet applied). */
export type IcmpSamplerOptions = z.input<typeof icmpSamplerOptionsSchema>;

/** Options of an ICMP sampler after validation, defaults applied. */
export type ParsedIcmpSamplerOptions = z.output<typeof icmpSamplerOptionsSchema>;
