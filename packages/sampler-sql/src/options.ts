import { type Duration, isDuration, stringOrSecret } from "@amstaff/core";
import { z } from "zod";
import { parseConnectionUrl } from "./connectionUrl.js";

/** The plugin id of this package, also its npm name. */
export const sqlPluginId = "@amstaff/sampler-sql";

const duration = (fallback: Duration) =>
  (
    z.string().refine(isDuration, 'a duration like "10s", "500ms" or "1m"') as unknown as z.ZodType<Duration>
  ).default(fallback);

const direction = z.enum(["above", "below"]);

/** Validates a row-count check: thresholds like the scalar's, and/or a `min`/`max` range. */
export const rowCountCheckSchema = z
  .strictObject({
    /** Row count at which the result becomes `warning`. @default undefined */
    warning: z.number().int().nonnegative().optional(),
    /** Row count at which the result becomes `critical`. @default undefined */
    critical: z.number().int().nonnegative().optional(),
    /**
     * Whether counts `above` the thresholds are bad (stuck jobs) or counts `below` them (active users).
     * @default "above"
     */
    direction: direction.optional(),
    /** Fewer rows than this is `critical`. @default undefined */
    min: z.number().int().nonnegative().optional(),
    /** More rows than this is `critical`. @default undefined */
    max: z.number().int().nonnegative().optional(),
  })
  .refine(
    (c) => c.warning !== undefined || c.critical !== undefined || c.min !== undefined || c.max !== undefined,
    "give at least one of warning, critical, min or max",
  )
  .refine(
    (c) => c.min === undefined || c.max === undefined || c.min <= c.max,
    "min must not be greater than max",
  );

/** A row-count check, as written by users. */
export type RowCountCheck = z.input<typeof rowCountCheckSchema>;

/**
 * Validates the options of a SQL sampler and applies their defaults.
 *
 * A `secret("NAME")` in `url` or `password` stays a reference here; it is resolved on the node that probes.
 */
export const sqlSamplerOptionsSchema = z
  .strictObject({
    /**
     * Where the database is; its scheme picks the engine:
     * `postgres://user@host:5432/db` or `postgresql://...` (PostgreSQL), `mysql://user@host:3306/db` or
     * `mariadb://...` (MySQL, MariaDB), `sqlite:///abs/path.db`, `sqlite:relative/path.db` or
     * `file:///abs/path.db` (SQLite, opened read-only). Usually a `secret("DB_URL")`: the URL may hold a
     * password, and it never appears in results or errors.
     * @example "postgres://monitor@db.internal:5432/orders"
     */
    url: stringOrSecret.refine(
      (url) => typeof url !== "string" || typeof parseConnectionUrl(url) !== "string",
      "a postgres://, postgresql://, mysql://, mariadb://, sqlite: or file: URL",
    ),
    /**
     * The password, when it is not in `url`; usually a `secret("DB_PASSWORD")`. Takes precedence over a
     * password in `url`. Not used by SQLite.
     * @default undefined (the URL's password, if any)
     */
    password: stringOrSecret.optional(),
    /**
     * The query: one statement, run read-only. Its first column of its first row is the *value*; the
     * number of rows it returns is the *row count*.
     * @example "SELECT count(*) FROM jobs WHERE state = 'stuck'"
     */
    query: z.string().trim().min(1, "must not be empty"),
    /**
     * The value at which the result becomes `warning` (the value must be a number).
     * @default undefined
     */
    warning: z.number().optional(),
    /**
     * The value at which the result becomes `critical` (the value must be a number).
     * @default undefined
     */
    critical: z.number().optional(),
    /**
     * Whether values `above` `warning`/`critical` are bad (queue length, lag) or values `below` them
     * (orders in the last hour). A value equal to a threshold crosses it.
     * @default "above"
     */
    direction: direction.default("above"),
    /**
     * Checks on the number of rows the query returns: `{ warning?, critical?, direction? }` thresholds
     * and/or a `{ min?, max? }` range outside which the result is `critical`.
     * @default undefined (the row count is reported, not judged)
     */
    rows: rowCountCheckSchema.optional(),
    /**
     * The JSON value the query's value (first column of the first row) must equal, else `critical`.
     * Numbers compare numerically whatever the driver returns (`"42"` from a PostgreSQL `bigint` equals `42`),
     * `true`/`false` equal `1`/`0` (MySQL and SQLite have no booleans), objects and arrays compare deeply.
     * @default undefined
     */
    equals: z.json().optional(),
    /**
     * How long a probe may take, from borrowing a connection to the end of the query, written like `"10s"`
     * or `"500ms"`. The database is told too (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`,
     * MySQL `max_execution_time`), so a slow query is cancelled on the server, not only abandoned.
     * A probe that takes longer is `critical`.
     * @default "10s"
     */
    timeout: duration("10s"),
    /**
     * The most connections the pool opens. Monitors with the same `url`, `password` and `poolSize` share
     * one pool (per process), however many they are.
     * @default 4
     */
    poolSize: z.number().int().min(1).max(100).default(4),
    /**
     * How long a connection may stay unused before it is closed.
     * @default "30s"
     */
    idleTimeout: duration("30s"),
  })
  .superRefine((options, ctx) => {
    if (options.warning !== undefined && options.critical !== undefined) {
      const ordered =
        options.direction === "above"
          ? options.warning < options.critical
          : options.warning > options.critical;
      if (!ordered) {
        ctx.addIssue({
          code: "custom",
          path: ["warning"],
          message:
            options.direction === "above"
              ? "warning must be lower than critical (direction is above)"
              : "warning must be higher than critical (direction is below)",
        });
      }
    }
    const rows = options.rows;
    if (rows?.warning !== undefined && rows.critical !== undefined) {
      const ordered =
        (rows.direction ?? "above") === "above" ? rows.warning < rows.critical : rows.warning > rows.critical;
      if (!ordered) {
        ctx.addIssue({
          code: "custom",
          path: ["rows", "warning"],
          message:
            "warning must be on the good side of critical (lower for direction above, higher for below)",
        });
      }
    }
    if (
      options.password !== undefined &&
      typeof options.url === "string" &&
      (parseConnectionUrl(options.url) as { engine?: string }).engine === "sqlite"
    ) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "SQLite has no password: remove it" });
    }
  });

/** Options of a SQL sampler, as written by users (defaults not yet applied). */
export type SqlSamplerOptions = z.input<typeof sqlSamplerOptionsSchema>;

/** Options of a SQL sampler after validation, defaults applied. */
export type ParsedSqlSamplerOptions = z.output<typeof sqlSamplerOptionsSchema>;
