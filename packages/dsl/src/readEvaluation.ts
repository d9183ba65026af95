import type { ModuleDefinition, PluginDescriptor } from "@amstaff/core";
import type { CompileError, CompileErrorCode } from "./compileError.js";
import type { CompileOptions } from "./compiler.js";
import { maxOutputBytes, type SandboxOutcome } from "./sandbox.js";
import { sandboxFailureSchema, sandboxSuccessSchema } from "./sandboxOutput.js";
import type { SourceLocator, SourcePosition } from "./sourceLocation.js";
import { validateModule } from "./validateModule.js";

const exportHint = 'a module file must `export default amstaff("Name", (m) => { ... })`';

/** What {@link readEvaluation} needs of the compile it reads for. */
export interface EvaluationContext {
  plugins: readonly PluginDescriptor[];
  options: Pick<CompileOptions, "secrets" | "team" | "host">;
  locator: Pick<SourceLocator, "fromStack">;
  errorAt: (position: SourcePosition, code: CompileErrorCode, message: string) => CompileError;
  memoryLimitMb: number;
}

/** A compile's result from its evaluation; `invalid` when validation refused it. */
export interface ReadEvaluation {
  result: { ok: true; definition: ModuleDefinition } | { ok: false; errors: CompileError[] };
  invalid: boolean;
}

/**
 * Turns how the evaluation in the sandbox ended into the compile's result: the validated module, or
 * errors located in the source.
 */
export function readEvaluation(outcome: SandboxOutcome, context: EvaluationContext): ReadEvaluation {
  const { plugins, options, locator, errorAt, memoryLimitMb } = context;
  const fail = (code: CompileErrorCode, message: string, at: SourcePosition = { line: 1, column: 1 }) => ({
    result: { ok: false as const, errors: [errorAt(at, code, message)] },
    invalid: false,
  });
  switch (outcome.kind) {
    case "memory":
      return fail(
        "memory",
        `evaluating the module needed more than the ${memoryLimitMb} MB of memory it may use`,
      );
    case "timeout":
      return fail(
        "timeout",
        outcome.clock === "cpu"
          ? `evaluating the module used more than ${outcome.limitMs}ms of CPU time (an endless loop?)`
          : `evaluating the module took longer than ${outcome.limitMs}ms of wall-clock time (an endless loop, or a machine too busy to run it?)`,
      );
    case "too-large":
      return fail(
        "output",
        `the module evaluates to ${outcome.bytes} bytes of data, more than the limit of ${maxOutputBytes} bytes`,
      );
    case "broken":
      return fail("evaluation", outcome.message);
    case "output":
      break;
  }

  let json: unknown;
  try {
    json = JSON.parse(outcome.json);
  } catch {
    return fail("output", "the module's evaluation produced unreadable output");
  }
  const failure = sandboxFailureSchema.safeParse(json);
  if (failure.success) {
    const { reason, message = "", stack = "" } = failure.data;
    if (reason === "export") return fail("export", exportHint);
    if (reason === "data") return fail("output", message);
    return fail("evaluation", message, locator.fromStack(stack));
  }
  const success = sandboxSuccessSchema.safeParse(json);
  if (!success.success) return fail("output", "the module's evaluation produced unreadable output");

  const errors: CompileError[] = [];
  const definition = validateModule(
    success.data,
    plugins,
    locator,
    (at, message) => {
      errors.push(errorAt(at, "validation", message));
    },
    {
      secrets: options.secrets && { check: options.secrets, team: options.team },
      host: options.host,
    },
  );
  if (definition === undefined || errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { result: { ok: false, errors }, invalid: true };
  }
  return { result: { ok: true, definition }, invalid: false };
}
