import { resolve } from "node:path";
import type { ModuleDefinition, PluginDescriptor, PluginHost, SecretCheck } from "@amstaff/core";
import { AmstaffError } from "@amstaff/core";
import * as builders from "./builders.js";
import { bundleModule, type ImportTable } from "./bundleModule.js";
import type { CompileError, CompileErrorCode } from "./compileError.js";
import { defaultReleaseAfterMs, withCompiler } from "./compilerLifetime.js";
import { dslTypeNames } from "./dslExports.js";
import { readEvaluation } from "./readEvaluation.js";
import {
  defaultMemoryLimitMb,
  defaultTimeoutMs,
  defaultWallTimeoutMs,
  runInSandbox,
  type SandboxLimits,
  type SandboxOutcome,
  warmSandbox,
} from "./sandbox.js";
import { SourceLocator, type SourcePosition } from "./sourceLocation.js";
import { strippedNewlines } from "./strippedNewlines.js";
import { dslPackageRoot, typeCheck } from "./typeCheckThread.js";

export type { CompileError, CompileErrorCode } from "./compileError.js";
export { formatCompileErrors } from "./compileError.js";
export type { CompilerResources } from "./compilerLifetime.js";
export { compilerResources, releaseCompiler } from "./compilerLifetime.js";
export { closeSandboxes } from "./sandbox.js";

/** Options of {@link compileModule} and {@link createCompiler}. */
export interface CompileOptions {
  /**
   * The file name shown in errors.
   * @default "module.ts"
   */
  filename?: string;
  /** The installed plugins whose builders module files may import. */
  plugins: readonly PluginDescriptor[];
  /**
   * How much CPU time evaluating the module file may use, in milliseconds: an endless loop or a module that
   * computes too much ends with a `timeout` error. It is the CPU time of the sandbox process, so a busy
   * machine that runs the evaluation slowly does not fail it (`wallTimeoutMs` bounds that). Where a
   * process' CPU time cannot be read (`/proc`, i.e. not on Linux), this is wall-clock time.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * How long evaluating the module file may take in wall-clock time, however busy the machine, in
   * milliseconds: the backstop behind `timeoutMs`. At least `timeoutMs`.
   * @default 30000, or 10 × `timeoutMs` when that is more
   */
  wallTimeoutMs?: number;
  /**
   * Whether to type-check the module file with TypeScript (against the declarations of `@amstaff/dsl`,
   * `@amstaff/core` and the plugin packages) before evaluating it.
   * @default true
   */
  typeCheck?: boolean;
  /**
   * The directory plugin packages' declarations are resolved from (Node.js resolution, as if a file there
   * imported them): where the server's `node_modules` is. A plugin whose package has no declarations
   * there is checked with untyped builders.
   * @default the directory of the installed @amstaff/dsl package
   */
  resolveFrom?: string;
  /**
   * Whether a module may use a secret: the server's secret store and grants (`store.check`). When given,
   * a module that refers to a `secret("NAME")` it may not use (not in the store, or not granted to this
   * module or its team) is refused at the builder call with the check's reason, instead of failing at its
   * first delivery. Offline tools (`amstaff check`) pass none.
   * @default secrets are not checked
   */
  secrets?: SecretCheck | undefined;
  /**
   * The team the pushed module belongs to, handed to `secrets` with the module's name so that grants to
   * a team apply. Usually given per compile (`compiler.compile(source, { team })`).
   * @default unknown: only grants to the module's name apply
   */
  team?: string | undefined;
  /**
   * What the node lets plugins reach (which files, say). When given, each plugin's `check` hook runs on
   * the options of every builder call, and a module with a problem is refused at that call.
   * @default plugins' options are not checked against a host
   */
  host?: PluginHost | undefined;
  /**
   * The heap limit of the sandbox process that evaluates module files, in MB; a module that needs more
   * is refused with a `memory` error.
   * @default 128
   */
  memoryLimitMb?: number;
  /**
   * How long, in ms, the compiler keeps its helpers after the last compile of the process: the thread
   * that type-checks (TypeScript and the parsed declarations, tens of MB), the idle sandbox processes
   * and esbuild's service. The next compile starts them again, as cold as the first. `Infinity` keeps
   * them for the life of the process (a check daemon). The value of the latest compile applies.
   * @default 60000
   */
  releaseAfterMs?: number;
}

/** The outcome of {@link compileModule}: the validated module, or every error found. */
export type CompileResult =
  | { ok: true; definition: ModuleDefinition }
  | { ok: false; errors: CompileError[] };

/** A compiler bound to a set of plugins, see {@link createCompiler}. */
export interface Compiler {
  /** Compiles a module file; `overrides` replace the options given to {@link createCompiler} for this call. */
  compile(source: string, overrides?: Partial<CompileOptions>): Promise<CompileResult>;
  /**
   * Prepares everything a compile needs (the sandbox prelude and process, the parsed declarations of
   * the DSL, of `@amstaff/core` and of every plugin package), so that the first compile is as fast as
   * the next ones. Call it when a server starts.
   */
  warm(): Promise<void>;
}

/** Type-checks on the type-check thread, against the declarations resolved from `resolveFrom`. */
function checkTypes(
  source: string,
  table: ImportTable,
  file: string,
  resolveFrom: string | undefined,
): Promise<CompileError[]> {
  return typeCheck({
    resolveFrom: resolve(resolveFrom ?? dslPackageRoot),
    source,
    plugins: [...table.plugins].map(([name, exports]) => [name, [...exports]]),
    file,
  });
}

/**
 * Creates a compiler for a set of plugins. Compilers share the process' caches (parsed declarations on
 * the type-check thread, sandbox processes), so creating one is cheap; `warm()` fills those caches ahead
 * of the first push, and they are released `releaseAfterMs` after the last compile.
 *
 * @example
 * ```ts
 * import { createCompiler, formatCompileErrors } from "@amstaff/dsl/compiler";
 * import { httpPlugin } from "@amstaff/sampler-http";
 *
 * const compiler = createCompiler({ plugins: [httpPlugin], resolveFrom: process.cwd() });
 * await compiler.warm();
 * const result = await compiler.compile(source, { filename: "user-service.ts" });
 * if (!result.ok) console.error(formatCompileErrors(result.errors));
 * ```
 */
export function createCompiler(options: CompileOptions): Compiler {
  return {
    compile: (source, overrides) => compileModule(source, { ...options, ...overrides }),
    warm: () => warmCompiler(options),
  };
}

/**
 * Warms the caches {@link compileModule} uses for these options: builds the sandbox prelude, starts a
 * sandbox process, and parses the declarations of the DSL and of the plugins' packages.
 *
 * @example
 * ```ts
 * await warmCompiler({ plugins: [httpPlugin, webhookPlugin] });
 * ```
 */
export async function warmCompiler(options: CompileOptions): Promise<void> {
  const releaseAfterMs = checkedReleaseAfterMs(options);
  await withCompiler(releaseAfterMs, () => warmHelpers(options));
}

async function warmHelpers(options: CompileOptions): Promise<void> {
  const sandbox = warmSandbox(options.memoryLimitMb);
  if (options.typeCheck === false) return sandbox;
  const table = importTable(options.plugins);
  const packages = [...table.plugins.keys()];
  const source = [
    'import { amstaff, every } from "@amstaff/dsl";',
    'import type { PluginSpec } from "@amstaff/core";',
    ...packages.map((name, i) => `import * as plugin${i} from ${JSON.stringify(name)};`),
    `export const plugins = [${packages.map((_, i) => `plugin${i}`).join(", ")}];`,
    'const sampler: PluginSpec = { plugin: "warm", options: {} };',
    'export default amstaff("warm", (m) => { m.monitor("warm", { sampler, timing: every("1m") }); });',
    "",
  ].join("\n");
  await Promise.all([checkTypes(source, table, "warm.ts", options.resolveFrom), sandbox]);
}

function checkedReleaseAfterMs(options: Pick<CompileOptions, "releaseAfterMs">): number {
  const releaseAfterMs = options.releaseAfterMs ?? defaultReleaseAfterMs;
  if (typeof releaseAfterMs !== "number" || Number.isNaN(releaseAfterMs) || releaseAfterMs < 0) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `compileModule: releaseAfterMs must be a number of ms (0 or more, or Infinity), got ${releaseAfterMs}`,
    );
  }
  return releaseAfterMs;
}

/**
 * Compiles a module file's TypeScript source into a validated `ModuleDefinition`: bundles it with
 * esbuild (only `@amstaff/dsl` and the given plugins' packages may be imported), type-checks it with
 * TypeScript, evaluates it in a `node:vm` context without any host object inside a memory-limited
 * child process, runs the plugins' real builders on the recorded calls, and validates everything.
 * Errors point at lines and columns of the original source.
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
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const wallTimeoutMs = options.wallTimeoutMs ?? defaultWallTimeoutMs(timeoutMs);
  const memoryLimitMb = options.memoryLimitMb ?? defaultMemoryLimitMb;
  if (typeof source !== "string" || !Array.isArray(options.plugins)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "compileModule needs a source string and a plugins array",
    );
  }
  if (!Number.isFinite(memoryLimitMb) || memoryLimitMb < 16) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `compileModule: memoryLimitMb must be at least 16, got ${memoryLimitMb}`,
    );
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `compileModule: timeoutMs must be positive, got ${timeoutMs}`,
    );
  }
  if (!Number.isFinite(wallTimeoutMs) || wallTimeoutMs < timeoutMs) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `compileModule: wallTimeoutMs must be at least timeoutMs (${timeoutMs}), got ${wallTimeoutMs}`,
    );
  }
  const releaseAfterMs = checkedReleaseAfterMs(options);
  const limits = { cpuMs: timeoutMs, wallMs: wallTimeoutMs };
  return withCompiler(releaseAfterMs, () => compileChecked(source, options, file, limits, memoryLimitMb));
}

async function compileChecked(
  source: string,
  options: CompileOptions,
  file: string,
  limits: SandboxLimits,
  memoryLimitMb: number,
): Promise<CompileResult> {
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

  const table = importTable(options.plugins);
  const bundled = await bundleModule(source, table, file);
  if (!bundled.ok) return { ok: false, errors: bundled.errors };
  const locator = new SourceLocator(bundled.bundle.map);

  // Where each builder call was made is recorded only when an error needs it: see `locate` in
  // sandboxRuntime.ts. The evaluation runs in the sandbox process while the type-check thread checks.
  const evaluate = (locate: boolean) => runInSandbox(bundled.bundle.code, limits, { memoryLimitMb, locate });
  const evaluation = evaluate(false);
  if (options.typeCheck !== false) {
    let typeErrors: CompileError[];
    try {
      typeErrors = await checkTypes(source, table, file, options.resolveFrom);
    } catch (error) {
      evaluation.catch(() => undefined);
      throw error;
    }
    if (typeErrors.length > 0) {
      evaluation.catch(() => undefined);
      return { ok: false, errors: typeErrors };
    }
  }
  const read = (outcome: SandboxOutcome) =>
    readEvaluation(outcome, { plugins: options.plugins, options, locator, errorAt, memoryLimitMb });
  const result = read(await evaluation);
  // Validation errors point at builder calls: only now is the module evaluated again, recording where
  // each call was made.
  if (result.invalid) return read(await evaluate(true)).result;
  return result.result;
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
