import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { PluginDescriptor } from "@amstaff/core";
import type { Compiler } from "@amstaff/dsl/compiler";
import type { CheckAnswer, CheckRequest } from "./checkDaemon.js";

let checkCompiler: Compiler | undefined;

/** Compiles each file as the server would, with a compiler kept for the process (warm in a daemon). */
export async function checkFiles(files: CheckRequest["files"], resolveFrom: string): Promise<CheckAnswer> {
  const { createCompiler, formatCompileErrors } = await import("@amstaff/dsl/compiler");
  if (checkCompiler === undefined) {
    const plugins = await localPlugins();
    if (plugins.length === 0) {
      process.stderr.write(
        "amstaff: no sampler or handler package found here or beside the CLI: install the ones your modules import, e.g. npm i -D @amstaff/dsl @amstaff/sampler-http @amstaff/handler-webhook\n",
      );
    }
    // A daemon keeps its compiler warm until it exits (10 idle minutes): that is what it is for.
    checkCompiler = createCompiler({ plugins, resolveFrom, releaseAfterMs: Number.POSITIVE_INFINITY });
  }
  const answer: CheckAnswer = { results: [], lines: [], failed: false };
  for (const { path, source } of files) {
    const result = await checkCompiler.compile(source, { filename: path });
    answer.results.push({ file: path, ...result });
    if (result.ok) {
      answer.lines.push(
        `✔ ${path}: module "${result.definition.name}", ${result.definition.monitors.length} monitor(s)`,
      );
    } else {
      answer.failed = true;
      answer.lines.push(`✖ ${formatCompileErrors(result.errors)}`);
    }
  }
  return answer;
}

/** Makes the process's compiler ready (declarations parsed, sandbox started), so even the next check is fast. */
export async function warmCheckCompiler(resolveFrom: string): Promise<void> {
  await checkFiles([], resolveFrom);
  await checkCompiler?.warm();
}

/** Which `@amstaff/dsl` a check in `resolveFrom` uses, and when it was installed: a new one needs a new daemon. */
export function dslFingerprint(resolveFrom: string): string {
  try {
    const manifest = createRequire(join(resolveFrom, "noop.js")).resolve("@amstaff/dsl/package.json");
    return `${manifest}@${statSync(manifest).mtimeMs}`;
  } catch {
    return "@amstaff/dsl beside the CLI";
  }
}

/**
 * Where a check resolves a module file's imports: the project in the working directory when it has
 * `@amstaff/dsl` installed (the versions its editor sees; `npx amstaff` runs from a cache elsewhere),
 * else beside the CLI.
 */
export function checkRoot(cliPackageDir: string): string {
  try {
    createRequire(join(process.cwd(), "noop.js")).resolve("@amstaff/dsl/package.json");
    return process.cwd();
  } catch {
    return cliPackageDir;
  }
}

/**
 * The plugins a local check knows: the packages installed here (the project's own) or beside the CLI
 * (the server's, when the CLI comes with it). Amstaff's own samplers and handlers are found the same
 * way, never imported: the published `amstaff` package must not need every handler's SDK to check a file.
 */
async function localPlugins(): Promise<PluginDescriptor[]> {
  const { discoverPlugins, serverPackageDir } = await import("../../plugins/discovery.js");
  const { plugins } = await discoverPlugins([process.cwd(), serverPackageDir]);
  const byId = new Map<string, PluginDescriptor>();
  for (const { descriptor } of plugins) if (!byId.has(descriptor.id)) byId.set(descriptor.id, descriptor);
  return [...byId.values()];
}
