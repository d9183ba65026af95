import type { PluginHost } from "@amstaff/core";
import { type CompileResult, createCompiler, releaseCompiler } from "@amstaff/dsl/compiler";
import type { SecretStore } from "../access/secretStore.js";
import { serverPackageDir } from "./discovery.js";
import type { PluginRegistry } from "./plugins.js";

/** What {@link startModuleCompiler} compiles against. */
export interface ModuleCompilerOptions {
  /** The plugins this node offers: a module may use these and no other. */
  plugins: PluginRegistry;
  /** Which secrets a module may name. */
  secrets: SecretStore;
  /** What plugins' push-time checks may reach (the files SQLite samplers may open). */
  host: PluginHost;
}

/** The node's compiler of pushed modules. */
export interface ModuleCompiler {
  /** Compiles a pushed module's source; the secret grants of `team` (the module's) apply. */
  compile: (source: string, context: { team: string }) => Promise<CompileResult>;
  /** Releases the compiler's helpers at once (the type-check thread, idle sandbox processes, esbuild). */
  close: () => Promise<void>;
}

/**
 * Creates the compiler of pushed modules and warms it (TypeScript's declarations, the sandbox
 * process), so a push soon after start is as fast as the next. The compiler releases those helpers a
 * minute after the last push (the type-check thread holds TypeScript and every parsed declaration, tens
 * of MB the sampling process does not need between pushes); the push after that compiles cold.
 */
export async function startModuleCompiler(options: ModuleCompilerOptions): Promise<ModuleCompiler> {
  // Declarations of plugins resolve from where the server is installed, as their code does.
  // A module that names a secret it may not use is refused at push time, not at its first delivery.
  // Grants to a team apply to the team the module belongs to (the API passes it with every compile).
  const compiler = createCompiler({
    filename: "module.ts",
    plugins: options.plugins.list(),
    resolveFrom: serverPackageDir,
    secrets: options.secrets.check,
    host: options.host,
  });
  await compiler.warm();
  return {
    compile: (source, { team }) => compiler.compile(source, { team }),
    close: releaseCompiler,
  };
}
