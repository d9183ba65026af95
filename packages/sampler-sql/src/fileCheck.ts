import type { PluginHost } from "@amstaff/core";
import { parseConnectionUrl } from "./connectionUrl.js";
import type { ParsedSqlSamplerOptions } from "./options.js";

/**
 * The problems of SQL sampler options on a node: a SQLite file the host does not let plugins open.
 * A URL kept in a `secret("NAME")` is not known until run time, where the connection checks it again.
 */
export function checkSqlOptions(options: ParsedSqlSamplerOptions, host: PluginHost): string[] {
  if (typeof options.url !== "string") return [];
  const target = parseConnectionUrl(options.url);
  if (typeof target === "string" || target.engine !== "sqlite") return [];
  const resolved = host.files.resolve(target.path);
  return resolved.ok ? [] : [`SQLite file ${target.path}: ${resolved.reason}`];
}
