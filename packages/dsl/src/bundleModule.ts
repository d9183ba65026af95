import * as esbuild from "esbuild";
import type { CompileError } from "./compileError.js";

/** The name the module bundle runs under in the sandbox; stack frames are recognised by it. */
export const bundleFilename = "amstaff-module.js";
/** The name the original source has inside the bundle's source map. */
export const inputSourceName = "amstaff-input.ts";
/** The global the bundle's exports are assigned to. */
export const exportsGlobal = "__amstaffExports";
/** The frozen global `const` the prelude defines for the bundle. */
export const preludeGlobal = "__amstaffPrelude";

const namespace = "amstaff-virtual";
const dslPackage = "@amstaff/dsl";
const identifier = /^[A-Za-z_$][\w$]*$/;

/** A bundled module file, ready to run in the sandbox. */
export interface ModuleBundle {
  code: string;
  /** The source map's JSON. */
  map: string;
}

/** What `import`s a module file may use: the DSL's exports and each plugin package's builders. */
export interface ImportTable {
  dslExports: readonly string[];
  /** Type names `@amstaff/dsl` exports: a plain `import { MonitorOptions }` of them must not fail. */
  dslTypes: readonly string[];
  /** Package name → the names of its builders. */
  plugins: ReadonlyMap<string, readonly string[]>;
}

function virtualModule(exports: readonly string[], make: (name: string) => string): string {
  return exports
    .map((name, i) => {
      const local = `_${i}`;
      const exported = identifier.test(name) ? name : JSON.stringify(name);
      return `const ${local} = ${make(name)};\nexport { ${local} as ${exported} };`;
    })
    .join("\n");
}

function allowedImports(table: ImportTable): string {
  return [dslPackage, ...table.plugins.keys()].map((p) => `"${p}"`).join(", ");
}

/**
 * Bundles a module file with esbuild: `@amstaff/dsl` and the plugin packages resolve to virtual modules
 * that read the sandbox prelude; every other import is refused.
 */
export async function bundleModule(
  source: string,
  table: ImportTable,
  file: string,
): Promise<{ ok: true; bundle: ModuleBundle } | { ok: false; errors: CompileError[] }> {
  const plugin: esbuild.Plugin = {
    name: "amstaff-imports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.path === dslPackage || table.plugins.has(args.path)) {
          return { path: args.path, namespace };
        }
        return {
          errors: [
            {
              text: `cannot import "${args.path}": a module file may only import ${allowedImports(table)} (type-only imports are fine)`,
            },
          ],
        };
      });
      build.onLoad({ filter: /.*/, namespace }, (args) => {
        if (args.path === dslPackage) {
          return {
            contents: virtualModule([...table.dslExports, ...table.dslTypes], (name) =>
              table.dslExports.includes(name)
                ? `${preludeGlobal}.builders[${JSON.stringify(name)}]`
                : "undefined",
            ),
            loader: "js",
          };
        }
        const names = table.plugins.get(args.path) ?? [];
        return {
          contents: virtualModule(
            names,
            (name) => `${preludeGlobal}.plugin(${JSON.stringify(args.path)}, ${JSON.stringify(name)})`,
          ),
          loader: "js",
        };
      });
    },
  };
  try {
    const result = await esbuild.build({
      stdin: { contents: source, loader: "ts", sourcefile: inputSourceName },
      bundle: true,
      write: false,
      outfile: bundleFilename,
      format: "iife",
      globalName: exportsGlobal,
      platform: "neutral",
      target: "esnext",
      sourcemap: "external",
      sourcesContent: false,
      // Imports are kept as written (only `import type` and `type` specifiers vanish), so that an
      // unused `import fs from "node:fs"` is refused like a used one.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      logLevel: "silent",
      plugins: [plugin],
      banner: { js: "try {" },
      footer: {
        js: `} catch (error) { ${preludeGlobal}.fail(error); }\n${preludeGlobal}.finish(typeof ${exportsGlobal} === "undefined" ? undefined : ${exportsGlobal});`,
      },
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "{}";
    return { ok: true, bundle: { code, map } };
  } catch (error) {
    const messages = (error as Partial<esbuild.BuildFailure>).errors;
    if (!Array.isArray(messages)) throw error;
    return { ok: false, errors: messages.map((m) => toCompileError(m, file, table)) };
  }
}

function toCompileError(message: esbuild.Message, file: string, table: ImportTable): CompileError {
  const location = message.location;
  const inInput = location !== null && location.file === inputSourceName;
  let text = message.text;
  let code: CompileError["code"] = message.pluginName ? "import" : "syntax";
  const noExport = /^No matching export in "amstaff-virtual:(.*)" for import "(.*)"$/.exec(text);
  if (noExport) {
    const [, pkg = "", name = ""] = noExport;
    const offered = pkg === dslPackage ? table.dslExports : (table.plugins.get(pkg) ?? []);
    text = `"${pkg}" has no export "${name}" (it exports ${offered.join(", ") || "nothing"}); import types with \`import type\``;
    code = "import";
  } else if (/^Could not resolve/.test(text)) {
    code = "import";
  }
  if (!inInput || location === null) return { file, line: 1, column: 1, message: text, code };
  // esbuild counts columns in UTF-8 bytes; editors count characters.
  const column = Buffer.from(location.lineText).subarray(0, location.column).toString().length + 1;
  return { file, line: location.line, column, message: text, code, sourceLine: location.lineText };
}
