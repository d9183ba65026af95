import { z } from "zod";
import { scheduleSchema } from "./schedule.js";
import { sampleStatuses } from "./status.js";

/** Validates a {@link PluginSpec}'s envelope; its options are validated by the plugin's own schema. */
export const pluginSpecSchema = z.strictObject({
  plugin: z.string().min(1),
  options: z.unknown(),
});

/**
 * Which changes a handler hears about. Absent lists mean "any"; by default a handler hears every change
 * but a new monitor's first settle on `ok`.
 */
export const routeSchema = z.strictObject({
  /** Only changes from these statuses. */
  from: z
    .array(z.enum([...sampleStatuses, "pending"]))
    .min(1)
    .optional(),
  /** Only changes to these statuses. */
  to: z.array(z.enum(sampleStatuses)).min(1).optional(),
});

/** A handler of a monitor: the plugin spec, optionally limited to some changes. */
export const handlerSpecSchema = z.strictObject({
  plugin: z.string().min(1),
  options: z.unknown(),
  on: routeSchema.optional(),
});

/** Which changes a handler hears about. */
export type Route = z.output<typeof routeSchema>;

/** A handler of a monitor, as stored in a module definition. */
export type HandlerSpec = z.output<typeof handlerSpecSchema>;

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
  handlers: z.array(handlerSpecSchema).max(20).default([]),
  /**
   * While an incident stays open and unacknowledged, notify its handlers again this often.
   * Absent: never re-notify.
   */
  renotifyMs: z
    .number()
    .int()
    .min(60_000, "re-notify at most once a minute")
    .max(30 * 86_400_000)
    .optional(),
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
