import { z } from "zod";
import { AmstaffError } from "../errors.js";
import { defineHandlerPlugin, defineSamplerPlugin } from "../plugin.js";
import { results } from "../sampleResult.js";
import { stringOrSecret } from "../secret.js";
import type { Transition } from "../transition.js";
import { describeHandlerPlugin, describeSamplerPlugin } from "./index.js";

// In-memory plugins: the kit must work for a plugin that does no I/O at all.
const gaugeOptions = z.strictObject({
  /** The value the gauge reads. */
  reading: z.number(),
  /** Reading at or above which the result is critical. @default 100 */
  critical: z.number().default(100),
  /** Sent along with each read, like a password. @default undefined */
  token: stringOrSecret.optional(),
});

const seenTokens: string[] = [];
const gaugePlugin = defineSamplerPlugin({
  kind: "sampler",
  id: "amstaff-sampler-gauge",
  package: "amstaff-sampler-gauge",
  description: "Reads a number and compares it with a threshold",
  options: gaugeOptions,
  builders: {
    gauge: (options: z.input<typeof gaugeOptions>) => ({ plugin: "amstaff-sampler-gauge", options }),
  },
  create: (options, { name, tags }) => ({
    name,
    tags,
    async probe(context) {
      if (options.token !== undefined) seenTokens.push(options.token);
      if (options.reading < 0) {
        // A negative reading stands for a target that never answers, until the probe's signal aborts.
        await new Promise((resolve) => context?.signal.addEventListener("abort", resolve, { once: true }));
        return results.unknown("aborted");
      }
      return options.reading >= options.critical
        ? results.critical(`reading ${options.reading}`, { value: options.reading })
        : results.ok(`reading ${options.reading}`, { value: options.reading });
    },
  }),
});

describeSamplerPlugin(gaugePlugin, {
  validOptions: [{ reading: 1 }, { reading: 5, critical: 3, token: { $secret: "GAUGE_TOKEN" } }],
  invalidOptions: [
    { options: { reading: "high" }, path: "reading" },
    { options: { reading: 1, extra: true }, message: /extra/ },
    { options: { reading: 1, token: { $secret: "not a name" } }, path: "token" },
  ],
  target: async (secret) => ({
    options: { reading: 150, token: secret },
    expectedStatus: "critical",
    sawSecret: (value) => seenTokens.includes(value),
  }),
  hangingTarget: async () => ({ options: { reading: -1 } }),
});

const delivered: Transition[] = [];
const inboxOptions = z.strictObject({
  /** Where to deliver. */
  inbox: z.string().min(1),
  /** The inbox password. */
  password: stringOrSecret,
});
const inboxPlugin = defineHandlerPlugin({
  kind: "handler",
  id: "amstaff-handler-inbox",
  package: "amstaff-handler-inbox",
  description: "Keeps transitions in memory",
  options: inboxOptions,
  builders: {
    inbox: (options: z.input<typeof inboxOptions>) => ({ plugin: "amstaff-handler-inbox", options }),
  },
  create: (options) => ({
    name: `inbox ${options.inbox}`,
    async notify(transition, context) {
      if (options.inbox === "full") {
        throw new AmstaffError("AMS_ERR_DELIVERY_FAILED", `inbox ${options.inbox} refused the delivery`);
      }
      if (options.inbox === "slow") {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        throw new AmstaffError("AMS_ERR_DELIVERY_FAILED", "delivery aborted");
      }
      delivered.push(transition);
      return { position: delivered.length };
    },
  }),
});

describeHandlerPlugin(inboxPlugin, {
  validOptions: [{ inbox: "ops", password: { $secret: "INBOX_PASSWORD" } }],
  invalidOptions: [
    { options: { inbox: "", password: "x" }, path: "inbox" },
    { options: { inbox: "ops" }, path: "password" },
  ],
  target: async (secret) => ({
    options: { inbox: "ops", password: secret },
    received: () => delivered.length,
  }),
  failingTarget: async (secret) => ({ options: { inbox: "full", password: secret } }),
  hangingTarget: async (secret) => ({ options: { inbox: "slow", password: secret } }),
});
