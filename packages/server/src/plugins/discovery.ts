import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { PluginDescriptor } from "@amstaff/core";

/**
 * The naming convention of plugin packages: `@amstaff/sampler-*`, `@amstaff/handler-*`,
 * `amstaff-sampler-*`, `amstaff-handler-*`, and the same under any scope (`@acme/amstaff-sampler-redis`).
 */
export const pluginPackagePattern =
  /^(?:@amstaff\/(?:sampler|handler)-[a-z0-9._-]+|(?:@[a-z0-9._-]+\/)?amstaff-(?:sampler|handler)-[a-z0-9._-]+)$/;

/** A package that matched the convention but could not be loaded. */
export interface DiscoveryProblem {
  package: string;
  directory: string;
  reason: string;
}

/** What {@link discoverPlugins} found. */
export interface Discovery {
  plugins: { descriptor: PluginDescriptor; package: string; version: string; directory: string }[];
  problems: DiscoveryProblem[];
}

/** The `node_modules` folders Node would search from `start`: its own and every parent's. */
function nodeModulesChain(start: string): string[] {
  const chain: string[] = [];
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules");
    if (existsSync(candidate)) chain.push(candidate);
    if (dirname(dir) === dir) return chain;
  }
}

function candidatePackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of safeReaddir(nodeModules)) {
    if (entry.startsWith("@")) {
      for (const inner of safeReaddir(join(nodeModules, entry))) names.push(`${entry}/${inner}`);
    } else {
      names.push(entry);
    }
  }
  return names.filter((name) => pluginPackagePattern.test(name));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDescriptor(value: unknown): value is PluginDescriptor {
  const d = value as PluginDescriptor;
  return (
    typeof d === "object" &&
    d !== null &&
    (d.kind === "sampler" || d.kind === "handler") &&
    typeof d.id === "string" &&
    typeof d.create === "function" &&
    typeof d.builders === "object" &&
    typeof d.options?.safeParse === "function" &&
    (d.integration === undefined ||
      (typeof d.integration.path === "string" &&
        typeof d.integration.routes === "function" &&
        typeof d.integration.settings?.shape === "object"))
  );
}

/**
 * Finds the sampler and handler packages installed beside the server: every package in the
 * `node_modules` folders Node searches from each of `roots` whose name follows
 * {@link pluginPackagePattern} and whose main entry exports `amstaffPlugin` (a descriptor or an array
 * of them). The first package of a name wins, as in Node's own resolution. A package that matches the
 * convention but fails to load is reported, never fatal.
 */
export async function discoverPlugins(roots: readonly string[]): Promise<Discovery> {
  const discovery: Discovery = { plugins: [], problems: [] };
  const seen = new Set<string>();
  for (const nodeModules of roots.flatMap(nodeModulesChain)) {
    for (const name of candidatePackages(nodeModules)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const directory = join(nodeModules, name);
      try {
        const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
          version?: string;
        };
        const entry = createRequire(join(nodeModules, "noop.js")).resolve(name);
        const module = (await import(pathToFileURL(entry).href)) as { amstaffPlugin?: unknown };
        const exported = module.amstaffPlugin;
        const descriptors = Array.isArray(exported) ? exported : [exported];
        if (exported === undefined || !descriptors.every(isDescriptor)) {
          throw new Error(
            "its main entry does not export `amstaffPlugin` (a sampler or handler plugin descriptor)",
          );
        }
        for (const descriptor of descriptors) {
          discovery.plugins.push({
            descriptor,
            package: name,
            version: manifest.version ?? "0.0.0",
            directory,
          });
        }
      } catch (error) {
        discovery.problems.push({ package: name, directory, reason: (error as Error).message });
      }
    }
  }
  return discovery;
}

/** Where the server itself is installed, the first place to look for plugins. */
export const serverPackageDir = packageDirOf(dirname(fileURLToPath(import.meta.url)));

/** The nearest folder at or above `from` with a package.json: this package's, from its source or its build. */
function packageDirOf(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/**
 * What {@link discoverPlugins} would find from `roots`, without loading anything: each candidate package's
 * directory and when its manifest and folder last changed. A cheap key for caches of compiled plugin state.
 */
export function pluginFingerprint(roots: readonly string[]): string[] {
  const parts: string[] = [];
  for (const nodeModules of roots.flatMap(nodeModulesChain)) {
    for (const name of candidatePackages(nodeModules)) {
      const directory = join(nodeModules, name);
      try {
        parts.push(
          `${directory}@${statSync(join(directory, "package.json")).mtimeMs}/${statSync(directory).mtimeMs}`,
        );
      } catch {
        parts.push(`${directory}@missing`);
      }
    }
  }
  return parts;
}
