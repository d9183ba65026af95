import type { PluginDescriptor } from "@amstaff/core";
import type { Logger } from "pino";
import { discoverPlugins, serverPackageDir } from "./discovery.js";
import { builtinPlugins } from "./plugins.js";

/** The built-in plugins, and those of every plugin package installed beside the server. */
export async function installedPlugins(logger: Logger): Promise<PluginDescriptor[]> {
  const { plugins, problems } = await discoverPlugins([serverPackageDir, process.cwd()]);
  for (const problem of problems) logger.warn(problem, "plugin package skipped");
  const byId = new Map<string, PluginDescriptor>(builtinPlugins.map((p) => [p.id, p]));
  for (const { descriptor, package: name, version } of plugins) {
    if (byId.has(descriptor.id)) continue;
    byId.set(descriptor.id, descriptor);
    logger.info(
      { plugin: descriptor.id, kind: descriptor.kind, package: name, version },
      "plugin discovered",
    );
  }
  return [...byId.values()];
}
