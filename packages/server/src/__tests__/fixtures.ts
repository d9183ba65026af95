import type { ModuleDefinition, SampleResult, SampleStatus } from "@amstaff/core";
import type { Command } from "../state/commands.js";

/** A module of two monitors with one webhook handler each. */
export function definition(name = "User Service", monitors = ["Health", "Latency"]): ModuleDefinition {
  return {
    name,
    monitors: monitors.map((monitor) => ({
      name: monitor,
      tags: ["team8"],
      schedule: { kind: "interval", every: "30s" },
      sampler: { plugin: "@amstaff/sampler-http", options: { url: "http://127.0.0.1:1/health" } },
      handlers: [{ plugin: "@amstaff/handler-webhook", options: { url: "http://127.0.0.1:2/hook" } }],
      consecutive: 1,
      timeoutMs: 10_000,
      unknown: "unknown",
      dependsOn: [],
    })),
    maintenance: [],
  };
}

export const result = (status: SampleStatus, timestamp = 1_000): SampleResult => ({
  status,
  message: `it is ${status}`,
  durationMs: 5,
  timestamp,
});

export const put = (def = definition(), at = 1): Command => ({
  type: "module.put",
  name: def.name,
  source: "// source",
  definition: def,
  at,
});

export const transition = (
  moduleVersion: number,
  from: SampleStatus | "pending",
  to: SampleStatus,
  monitor = "Health",
  at = 2,
): Command => ({
  type: "transition.record",
  module: "User Service",
  monitor,
  moduleVersion,
  from,
  to,
  since: at,
  flapping: false,
  result: result(to, at),
  at,
});
