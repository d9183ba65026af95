import { isIP, isIPv4, isIPv6 } from "node:net";
import { type Duration, isDuration, latencyThresholdsSchema, sampleStatuses } from "@amstaff/core";
import { z } from "zod";
import { answerExpectationSchema } from "./answerExpectation.js";
import { answerFormats, isAnswerFormat, recordTypes } from "./records.js";

/** The plugin id of this package, also its npm name. */
export const dnsPluginId = "@amstaff/sampler-dns";

/** A domain name: labels of letters, digits, `-` and `_` (for `_sip._tcp` and the like), an optional final dot. */
const domainNamePattern =
  /^(?=.{1,253}\.?$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/;

/** Whether `value` is a resolver address Node's `setServers` takes: an IP address, with an optional port. */
function isResolverAddress(value: string): boolean {
  if (isIP(value) !== 0) return true;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  if (match === null) return false;
  const port = Number(match[3]);
  const host = match[1] ?? match[2] ?? "";
  return port >= 1 && port <= 65535 && (match[1] !== undefined ? isIPv6(host) : isIPv4(host));
}

const statusSchema = z.enum(sampleStatuses);

/**
 * Validates the options of a DNS sampler and applies their defaults.
 */
export const dnsSamplerOptionsSchema = z
  .strictObject({
    /**
     * The domain name to look up.
     * @example "www.example.com"
     */
    domain: z
      .string()
      .regex(domainNamePattern, 'a domain name, like "www.example.com" or "_sip._tcp.example.com"'),
    /**
     * The record type to ask for.
     * @default "A"
     */
    type: z.enum(recordTypes).default("A"),
    /**
     * The DNS server to ask: an IP address with an optional port, like `"192.0.2.53"`, `"127.0.0.1:5353"` or
     * `"[2001:db8::53]:53"`. Host names are not accepted: the resolver would need a resolver.
     * @default undefined (the system's resolvers, from /etc/resolv.conf)
     */
    resolver: z
      .string()
      .refine(
        isResolverAddress,
        'an IP address with an optional port, like "192.0.2.53", "127.0.0.1:5353" or "[2001:db8::53]:53"',
      )
      .optional(),
    /**
     * What the answers must be: `{ equals: [...] }` (exactly these, any order), `{ contains }` (these among
     * others) or `{ matches, flags?, every? }` (RE2). Values are written per type: MX as `"10 mail.example.com"`,
     * SRV as `"10 5 5060 sip.example.com"`, CAA as `'0 issue "letsencrypt.org"'`, TXT as the joined text.
     * Answers that fail it are `critical`.
     * @default undefined (any answer is fine)
     */
    expect: answerExpectationSchema.optional(),
    /**
     * How long the lookup may take, written like `"2s"` or `"500ms"`. One attempt, no retries: a monitor
     * that is probed again soon is its own retry.
     * @default "5s"
     */
    timeout: (
      z.string().refine(isDuration, 'a duration like "5s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
    ).default("5s"),
    /**
     * Latency thresholds in milliseconds, on the time the lookup took. Reaching `warning` makes the result
     * `warning`, reaching `critical` makes it `critical`.
     * @default undefined (latency is measured but never judged)
     */
    latency: latencyThresholdsSchema.optional(),
    /**
     * The status when the name does not exist (NXDOMAIN). `"ok"` monitors that a name stays gone.
     * @default "critical"
     */
    onNxdomain: statusSchema.default("critical"),
    /**
     * The status when the name exists but has no record of `type` (NODATA).
     * @default "critical"
     */
    onNodata: statusSchema.default("critical"),
    /**
     * The status when the resolver fails to answer (SERVFAIL): a broken upstream, a lame delegation, or a
     * zone whose DNSSEC signatures do not validate.
     * @default "critical"
     */
    onServfail: statusSchema.default("critical"),
  })
  .superRefine((options, ctx) => {
    const expect = options.expect;
    if (expect === undefined || "matches" in expect) return;
    const [key, written] = "equals" in expect ? ["equals", expect.equals] : ["contains", expect.contains];
    const listed = Array.isArray(written);
    [written].flat().forEach((value, index) => {
      if (isAnswerFormat(options.type, value)) return;
      ctx.addIssue({
        code: "custom",
        path: listed ? ["expect", key, index] : ["expect", key],
        message: `a ${options.type} answer is written as ${answerFormats[options.type]}`,
      });
    });
  });

/** Options of a DNS sampler, as written by users (defaults not yet applied). */
export type DnsSamplerOptions = z.input<typeof dnsSamplerOptionsSchema>;

/** Options of a DNS sampler after validation, defaults applied. */
export type ParsedDnsSamplerOptions = z.output<typeof dnsSamplerOptionsSchema>;
