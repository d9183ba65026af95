import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import type { CompileError, CompileErrorCode } from "./compileError.js";

const dslPackage = "@amstaff/dsl";
const corePackage = "@amstaff/core";
const identifier = /^[A-Za-z_$][\w$]*$/;

/** The packages a module file may import, and the builder names of each plugin package. */
export interface TypeCheckImports {
  /** Plugin package name → the names of its builders. */
  plugins: ReadonlyMap<string, readonly string[]>;
}

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2024,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Only the language: no DOM, no @types/node, so `process`, `setTimeout` or `fetch` are type errors.
  lib: ["lib.es2024.d.ts"],
  types: [],
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  allowJs: false,
  resolveJsonModule: false,
};

// One registry for every checker of the process: lib and package declarations are parsed once.
const documentRegistry = ts.createDocumentRegistry(true, "/");

/**
 * Type-checks module files with a long-lived `ts.LanguageService`: the module is a virtual file, the
 * lib and package declarations are read from disk once and their parsed `SourceFile`s reused by every
 * later check, which only rebuilds the checker for the new module text.
 */
export class TypeChecker {
  readonly #resolveFrom: string;
  readonly #dslRoot: string;
  readonly #dslDeclarations: readonly string[];
  readonly #rootFile: string;
  // Imports every package a module may use, so that any check (even of a file that imports nothing)
  // loads and caches all their declarations: what a server's warm-up compile relies on.
  readonly #preloadFile: string;
  #preloadText = "";
  #preloadVersion = 0;
  readonly #service: ts.LanguageService;
  readonly #files = new Map<string, ts.IScriptSnapshot>();
  readonly #virtual = new Map<string, { text: string; version: string }>();
  readonly #resolutionCache: ts.ModuleResolutionCache;
  readonly #resolutionHost: ts.ModuleResolutionHost;
  #imports: TypeCheckImports = { plugins: new Map() };
  #rootText = "";
  #rootVersion = 0;

  /**
   * `dslRoot` is the package root of the `@amstaff/dsl` that compiles (its declarations are the ones module
   * files are checked against, whatever else is installed); `resolveFrom` where plugins' are resolved from.
   */
  constructor(resolveFrom: string, dslRoot: string) {
    this.#resolveFrom = resolve(resolveFrom);
    this.#dslRoot = dslRoot;
    // The "types" build output, as published; only in a workspace checkout that was not built yet, its source.
    this.#dslDeclarations = [join(dslRoot, "dist", "index.d.ts"), join(dslRoot, "src", "index.ts")];
    this.#rootFile = join(this.#resolveFrom, ".amstaff-virtual", "module.ts");
    this.#preloadFile = join(this.#resolveFrom, ".amstaff-virtual", "preload.ts");
    this.#resolutionHost = {
      fileExists: (path) => this.#fileExists(path),
      readFile: (path) => this.#readFile(path),
      realpath: (path) => {
        try {
          return realpathSync.native(path);
        } catch {
          return path;
        }
      },
      directoryExists: (path) => {
        try {
          return statSync(path).isDirectory();
        } catch {
          return false;
        }
      },
    };
    this.#resolutionCache = ts.createModuleResolutionCache(this.#resolveFrom, (s) => s, compilerOptions);
    const libDirectory = dirname(ts.getDefaultLibFilePath(compilerOptions));
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => compilerOptions,
      getScriptFileNames: () => [this.#preloadFile, this.#rootFile],
      getScriptVersion: (path) => {
        if (path === this.#rootFile) return String(this.#rootVersion);
        if (path === this.#preloadFile) return String(this.#preloadVersion);
        return this.#virtual.get(path)?.version ?? "1";
      },
      getScriptSnapshot: (path) => {
        if (path === this.#rootFile) return ts.ScriptSnapshot.fromString(this.#rootText);
        if (path === this.#preloadFile) return ts.ScriptSnapshot.fromString(this.#preloadText);
        const virtual = this.#virtual.get(path);
        if (virtual !== undefined) return ts.ScriptSnapshot.fromString(virtual.text);
        return this.#snapshot(path);
      },
      getCurrentDirectory: () => this.#resolveFrom,
      getDefaultLibFileName: (options) => join(libDirectory, ts.getDefaultLibFileName(options)),
      fileExists: (path) =>
        path === this.#rootFile ||
        path === this.#preloadFile ||
        this.#virtual.has(path) ||
        this.#fileExists(path),
      readFile: (path) => {
        if (path === this.#rootFile) return this.#rootText;
        if (path === this.#preloadFile) return this.#preloadText;
        return this.#virtual.get(path)?.text ?? this.#readFile(path);
      },
      realpath: this.#resolutionHost.realpath,
      directoryExists: this.#resolutionHost.directoryExists,
      useCaseSensitiveFileNames: () => true,
      resolveModuleNameLiterals: (literals, containingFile) =>
        literals.map((literal) => this.#resolve(literal.text, containingFile)),
    };
    this.#service = ts.createLanguageService(host, documentRegistry);
  }

  /**
   * Checks a module file's source. `lines` are the source's lines, for `sourceLine`; `file` is the name
   * shown in errors.
   */
  check(source: string, imports: TypeCheckImports, file: string): CompileError[] {
    this.#imports = imports;
    const preload = [dslPackage, corePackage, ...imports.plugins.keys()]
      .map((name, i) => `import type * as _${i} from ${JSON.stringify(name)};`)
      .join("\n");
    if (preload !== this.#preloadText) {
      this.#preloadText = preload;
      this.#preloadVersion += 1;
    }
    this.#rootText = source;
    this.#rootVersion += 1;
    const syntactic = this.#service.getSyntacticDiagnostics(this.#rootFile);
    const diagnostics =
      syntactic.length > 0 ? syntactic : this.#service.getSemanticDiagnostics(this.#rootFile);
    const lines = source.split(/\r\n|\r|\n/);
    return diagnostics
      .filter((d) => d.category === ts.DiagnosticCategory.Error)
      .map((d) => toCompileError(d, syntactic.length > 0, file, lines));
  }

  // Only files that were read are cached: a package being rebuilt (its dist/ briefly empty) must not
  // stay missing for the life of the server.
  #snapshot(path: string): ts.IScriptSnapshot | undefined {
    const cached = this.#files.get(path);
    if (cached !== undefined) return cached;
    const text = this.#readFile(path);
    if (text === undefined) return undefined;
    const snapshot = ts.ScriptSnapshot.fromString(text);
    this.#files.set(path, snapshot);
    return snapshot;
  }

  #fileExists(path: string): boolean {
    if (this.#files.has(path)) return true;
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  }

  #readFile(path: string): string | undefined {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  }

  #resolve(name: string, containingFile: string): ts.ResolvedModuleWithFailedLookupLocations {
    if (containingFile !== this.#rootFile && containingFile !== this.#preloadFile) {
      return ts.resolveModuleName(
        name,
        containingFile,
        compilerOptions,
        this.#resolutionHost,
        this.#resolutionCache,
      );
    }
    // The module file itself may only see the DSL, the core contracts and the installed plugins; in
    // particular no relative path, so a pushed file cannot make the checker read the server's disk.
    if (name === dslPackage) {
      const path =
        this.#dslDeclarations.find((candidate) => this.#fileExists(candidate)) ?? this.#dslDeclarations[0];
      return resolved(path ?? "", path?.endsWith(".d.ts") === false);
    }
    const builders = this.#imports.plugins.get(name);
    if (name !== corePackage && builders === undefined) return { resolvedModule: undefined };
    for (const from of [this.#resolveFrom, this.#dslRoot]) {
      const result = ts.resolveModuleName(
        name,
        join(from, "__amstaff_resolve__.ts"),
        compilerOptions,
        this.#resolutionHost,
        this.#resolutionCache,
      );
      const module = result.resolvedModule;
      if (module !== undefined && /\.d\.[cm]?ts$|\.[cm]?ts$/.test(module.resolvedFileName)) {
        return result;
      }
    }
    if (builders === undefined) return { resolvedModule: undefined };
    // A plugin installed without declarations still type-checks, with untyped builders.
    const path = join(dirname(this.#rootFile), "untyped-plugins", `${encodeURIComponent(name)}.d.ts`);
    const text = untypedPlugin(builders);
    if (this.#virtual.get(path)?.text !== text) {
      this.#virtual.set(path, { text, version: String(this.#rootVersion) });
    }
    return resolved(path);
  }
}

function resolved(path: string, source = false): ts.ResolvedModuleWithFailedLookupLocations {
  return {
    resolvedModule: {
      resolvedFileName: path,
      extension: source ? ts.Extension.Ts : ts.Extension.Dts,
      isExternalLibraryImport: !source,
    },
  };
}

function untypedPlugin(builders: readonly string[]): string {
  return builders
    .map((name, i) => {
      const exported = identifier.test(name) ? name : JSON.stringify(name);
      return `declare const _${i}: (...args: any[]) => { plugin: string; options: unknown };\nexport { _${i} as ${exported} };`;
    })
    .join("\n");
}

const importDiagnostics = new Set([2305, 2307, 2459, 2460, 2614, 2724, 2732, 2792]);

function toCompileError(
  diagnostic: ts.Diagnostic,
  syntactic: boolean,
  file: string,
  lines: readonly string[],
): CompileError {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  const code: CompileErrorCode = syntactic
    ? "syntax"
    : importDiagnostics.has(diagnostic.code)
      ? "import"
      : "type";
  if (diagnostic.file === undefined || diagnostic.start === undefined) {
    return { file, line: 1, column: 1, message, code };
  }
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const sourceLine = lines[line];
  return {
    file,
    line: line + 1,
    column: character + 1,
    message,
    code,
    ...(sourceLine !== undefined && { sourceLine }),
  };
}
