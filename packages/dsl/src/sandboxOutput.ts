import { z } from "zod";

/** What the sandbox hands back when the module file evaluated to a module: untrusted JSON, checked here. */
export const sandboxSuccessSchema = z.object({
  ok: z.literal(true),
  module: z.unknown(),
  stack: z.string(),
  monitorStacks: z.array(z.string()),
  maintenanceStacks: z.array(z.string()).default([]),
  calls: z.array(
    z.object({
      package: z.string(),
      name: z.string(),
      args: z.array(z.unknown()).nullable(),
      problem: z.string().optional(),
      stack: z.string(),
    }),
  ),
});

/** What the sandbox hands back when evaluation did not produce a module. */
export const sandboxFailureSchema = z.object({
  ok: z.literal(false),
  reason: z.enum(["throw", "export", "data"]),
  message: z.string().optional(),
  stack: z.string().optional(),
});

/** A successful sandbox output as it is validated (before the schema's defaults). */
export type SandboxSuccess = z.input<typeof sandboxSuccessSchema>;
