import { defineSamplerPlugin } from "@amstaff/core";
import { mysql, postgres, sql, sqlite } from "./builders.js";
import { checkSqlOptions } from "./fileCheck.js";
import { sqlPluginId, sqlSamplerOptionsSchema } from "./options.js";
import { createSqlSampler } from "./sqlSampler.js";

/**
 * The descriptor an Amstaff server discovers: it validates module files' `sql`, `postgres`, `mysql` and
 * `sqlite` specs with {@link sqlSamplerOptionsSchema}, refuses SQLite files the server's host does not
 * allow, and creates samplers from them.
 */
export const sqlPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: sqlPluginId,
  package: sqlPluginId,
  description:
    "Runs a read-only SQL query (PostgreSQL, MySQL/MariaDB, SQLite) and checks its value or row count",
  options: sqlSamplerOptionsSchema,
  builders: { sql, postgres, mysql, sqlite },
  check: checkSqlOptions,
  create: (options, { name, tags, host }) => createSqlSampler(options, { name, tags, host }),
});

/** The descriptor under the name Amstaff servers look for when they discover installed plugins. */
export const amstaffPlugin = sqlPlugin;
