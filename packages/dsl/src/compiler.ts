import type { ModuleDefinition, PluginDescriptor } from "@amstaff/core";
import { AmstaffError } from "@amstaff/core";
import * as builders from "./builders.js";
import { bundleModule, type ImportTable } from "./bundleModule.js";
import type { CompileError, CompileErrorCode } from "./compileError.js";
import { dslTypeNames } from "./dslExports.js";
import { maxOutputBytes, runInSandbox } from "./sandbox.js";
import { SourceLocator, type SourcePosition } from "./sourceLocation.js";
import { strippedNewlines } from "./strippedNewlines.js";
import { sandboxFailureSchema, sandboxSuccessSchema, validateModule } from "./validateModule.js";

export type { CompileError, CompileErrorCode } from "./compileError.js";
export { formatCompileErrors } from "./compileError.js";

/** Options of {@link compileModule}. */
export interface CompileOptions {
  /**
   * The file name shown in errors.
   * @default "module.ts"
   */
  filename?: string;
  /** The installed plugins whose builders module files may import. */
  plugins: readonly PluginDescriptor[];
  /**
   * How long evaluating the module file may take, in milliseconds.
   * @default 1000
   */
  timeoutMs?: number;
}

/** The outcome of {@link compileModule}: the validated module, or every error found. */
export type CompileResult =
  | { ok: true; definition: ModuleDefinition }
  | { ok: false; errors: CompileError[] };

const exportHint = 'a module file must `export default amstaff("Name", (m) => { ... })`';

/**
 * Compiles a module file's TypeScript source into a validated `ModuleDefinition`: bundles it with
 * esbuild (only `@amstaff/dsl` and the given plugins' packages may be imported), evaluates it in a
 * `node:vm` context without any host object, runs the plugins' real builders on the recorded calls,
 * and validates everything. Errors point at lines and columns of the original source.
 *
 * Never throws for a bad module file; throws `AmstaffError` only for bad options or an internal failure.
 *
 * @example
 * ```ts
 * import { compileModule, formatCompileErrors } from "@amstaff/dsl/compiler";
 * import { httpPlugin } from "@amstaff/sampler-http";
 *
 * const result = await compileModule(source, { filename: "user-service.ts", plugins: [httpPlugin] });
 * if (result.ok) console.log(result.definition.monitors.length);
 * else console.error(formatCompileErrors(result.errors));
 * ```
 */
export async function compileModule(source: string, options: CompileOptions): Promise<CompileResult> {
  const file = options.filename ?? "module.ts";
  const timeoutMs = options.timeoutMs ?? 1000;
  if (typeof source !== "string" || !Array.isArray(options.plugins)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "compileModule needs a source string and a plugins array",
    );
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `compileModule: timeoutMs must be positive, got ${timeoutMs}`,
    );
  }
  const lines = source.split(/\r\n|\r|\n/);
  const errorAt = (position: SourcePosition, code: CompileErrorCode, message: string): CompileError => {
    const sourceLine = lines[position.line - 1];
    return {
      file,
      line: position.line,
      column: position.column,
      message,
      code,
      ...(sourceLine !== undefined && { sourceLine }),
    };
  };
  const start = { line: 1, column: 1 };
  const fail = (code: CompileErrorCode, message: string, at: SourcePosition = start): CompileResult => ({
    ok: false,
    errors: [errorAt(at, code, message)],
  });

  if (strippedNewlines(source)) {
    return fail(
      "newlines",
      "this file has no line breaks left: it was probably sent with `curl -d @file`, which strips them. Send it with `curl --data-binary @file` instead.",
    );
  }

  const bundled = await bundleModule(source, importTable(options.plugins), file);
  if (!bundled.ok) return { ok: false, errors: bundled.errors };
  const locator = new SourceLocator(bundled.bundle.map);

  const outcome = await runInSandbox(bundled.bundle.code, timeoutMs);
  switch (outcome.kind) {
    case "timeout":
      return fail("timeout", `evaluating the module took longer than ${timeoutMs}ms (an endless loop?)`);
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
  const definition = validateModule(success.data, options.plugins, locator, (at, message) => {
    errors.push(errorAt(at, "validation", message));
  });
  if (definition === undefined || errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, errors };
  }
  return { ok: true, definition };
}

const dslExports = Object.keys(builders);

const tables = new WeakMap<readonly PluginDescriptor[], ImportTable>();

function importTable(plugins: readonly PluginDescriptor[]): ImportTable {
  let table = tables.get(plugins);
  if (table === undefined) {
    const packages = new Map<string, string[]>();
    for (const plugin of plugins) {
      packages.set(plugin.package, [
        ...new Set([...(packages.get(plugin.package) ?? []), ...Object.keys(plugin.builders)]),
      ]);
    }
    table = { dslExports, dslTypes: dslTypeNames, plugins: packages };
    tables.set(plugins, table);
  }
  return table;
}
