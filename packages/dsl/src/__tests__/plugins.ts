import { defineHandlerPlugin, defineSamplerPlugin, results, stringOrSecret } from "@amstaff/core";
import { z } from "zod";

/** A sampler plugin shaped like @amstaff/sampler-http, without its code. */
export const testSampler = defineSamplerPlugin({
  kind: "sampler",
  id: "test-sampler",
  package: "test-sampler",
  description: "a sampler for compiler tests",
  options: z.strictObject({ url: z.url(), okStatus: z.array(z.number().int()).default([200]) }),
  builders: {
    probeIt: (options: unknown) => ({ plugin: "test-sampler", options }),
  },
  create: (_options, { name, tags }) => ({ name, tags, probe: async () => results.ok("fine") }),
});

/** A handler plugin shaped like @amstaff/handler-webhook, without its code. */
export const testHandler = defineHandlerPlugin({
  kind: "handler",
  id: "test-handler",
  package: "test-handler",
  description: "a handler for compiler tests",
  options: z.strictObject({ url: z.url(), headers: z.record(z.string(), stringOrSecret).default({}) }),
  builders: {
    notify: (options: unknown) => ({ plugin: "test-handler", options }),
  },
  create: () => ({ name: "test-handler", notify: async () => {} }),
});

export const plugins = [testSampler, testHandler];
