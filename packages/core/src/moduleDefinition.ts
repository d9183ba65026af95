import { z } from "zod";
import { scheduleSchema } from "./schedule.js";

/** Validates a {@link PluginSpec}'s envelope; its options are validated by the plugin's own schema. */
export const pluginSpecSchema = z.strictObject({
  plugin: z.string().min(1),
  options: z.unknown(),
});

const name = z
  .string()
  .trim()
  .min(1, "a name cannot be empty")
  .max(200, "a name has at most 200 characters")
  .refine(
    (s) => !s.includes("/") && [...s].every((c) => c >= " "),
    "a name cannot contain '/' or control characters",
  );

/** Validates one monitor of a module. */
export const monitorDefinitionSchema = z.strictObject({
  name,
  tags: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  schedule: scheduleSchema,
  sampler: pluginSpecSchema,
  handlers: z.array(pluginSpecSchema).max(20).default([]),
  /** How many consecutive samples must agree before the status changes. */
  consecutive: z.number().int().min(1).max(100).default(1),
  /** How long one probe may take before it counts as `unknown`. */
  timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
});

/** Validates a whole module: what a module file evaluates to. */
export const moduleDefinitionSchema = z
  .strictObject({
    name,
    monitors: z.array(monitorDefinitionSchema).min(1, "a module has at least one monitor").max(10_000),
  })
  .superRefine((module, ctx) => {
    const seen = new Set<string>();
    module.monitors.forEach((monitor, i) => {
      if (seen.has(monitor.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["monitors", i, "name"],
          message: `duplicate monitor name "${monitor.name}"`,
        });
      }
      seen.add(monitor.name);
    });
  });

/** One monitor of a module, as plain validated data. */
export type MonitorDefinition = z.output<typeof monitorDefinitionSchema>;

/** A monitoring module as plain validated data: what is replicated, diffed and shown. */
export type ModuleDefinition = z.output<typeof moduleDefinitionSchema>;
