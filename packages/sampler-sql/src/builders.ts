import type { PluginSpec, SecretRef } from "@amstaff/core";
import { type SqlSamplerOptions, sqlPluginId } from "./options.js";

/** What the SQL builders return: plain data a module file puts where a sampler goes. */
export type SqlSamplerSpec = PluginSpec<typeof sqlPluginId, SqlSamplerOptions>;

/** The options of {@link postgres}, {@link mysql} and {@link sqlite}: {@link SqlSamplerOptions} without `url`. */
export type SqlQueryOptions = Omit<SqlSamplerOptions, "url">;

/**
 * Describes a SQL probe in a module file; the URL's scheme picks the engine. It only assembles plain data:
 * the server validates the options when the module is pushed and resolves secrets on the node that probes.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { sql } from "@amstaff/sampler-sql";
 *
 * export default amstaff("Jobs", (m) => {
 *   m.monitor("Stuck jobs", {
 *     sampler: sql({
 *       url: secret("JOBS_DB_URL"),
 *       query: "SELECT count(*) FROM jobs WHERE state = 'running' AND started_at < now() - interval '1 hour'",
 *       warning: 1,
 *       critical: 10,
 *     }),
 *     timing: every("1m"),
 *   });
 * });
 * ```
 */
export function sql(options: SqlSamplerOptions): SqlSamplerSpec {
  return { plugin: sqlPluginId, options: { ...options } };
}

/**
 * Describes a PostgreSQL probe in a module file: {@link sql} with the connection string first.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { postgres } from "@amstaff/sampler-sql";
 *
 * export default amstaff("Orders", (m) => {
 *   m.monitor("Orders are coming in", {
 *     sampler: postgres(secret("ORDERS_DB_URL"), {
 *       query: "SELECT count(*) FROM orders WHERE created_at > now() - interval '1 hour'",
 *       warning: 50,
 *       critical: 10,
 *       direction: "below",
 *     }),
 *     timing: every("5m"),
 *   });
 * });
 * ```
 */
export function postgres(url: string | SecretRef, options: SqlQueryOptions): SqlSamplerSpec {
  return { plugin: sqlPluginId, options: { ...options, url } };
}

/**
 * Describes a MySQL or MariaDB probe in a module file: {@link sql} with the connection string first.
 *
 * @example
 * ```ts
 * import { amstaff, every, secret } from "@amstaff/dsl";
 * import { mysql } from "@amstaff/sampler-sql";
 *
 * export default amstaff("Shop", (m) => {
 *   m.monitor("Replica is a replica", {
 *     sampler: mysql("mysql://monitor@shop-db:3306/shop", {
 *       password: secret("SHOP_DB_PASSWORD"),
 *       query: "SELECT @@read_only",
 *       equals: true,
 *     }),
 *     timing: every("1m"),
 *   });
 * });
 * ```
 */
export function mysql(url: string | SecretRef, options: SqlQueryOptions): SqlSamplerSpec {
  return { plugin: sqlPluginId, options: { ...options, url } };
}

/**
 * Describes a SQLite probe in a module file: the database file's path (absolute, or relative to the
 * server's working directory), opened read-only.
 *
 * @example
 * ```ts
 * import { amstaff, every } from "@amstaff/dsl";
 * import { sqlite } from "@amstaff/sampler-sql";
 *
 * export default amstaff("Edge cache", (m) => {
 *   m.monitor("Cache has entries", {
 *     sampler: sqlite("/var/lib/edge/cache.db", { query: "SELECT key FROM entries LIMIT 10", rows: { min: 1 } }),
 *     timing: every("5m"),
 *   });
 * });
 * ```
 */
export function sqlite(path: string, options: SqlQueryOptions): SqlSamplerSpec {
  const url = /^(sqlite|file):/i.test(path) ? path : `sqlite:${path.startsWith("/") ? `//${path}` : path}`;
  return { plugin: sqlPluginId, options: { ...options, url } };
}
