import {
  AmstaffError,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  probeDeadline,
  type Resolved,
  resolveSecrets,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
} from "@amstaff/core";
import { judge, shortSql } from "./checks.js";
import { type ConnectionTarget, parseConnectionUrl, scrubSecrets, secretsOf } from "./connectionUrl.js";
import { criticalFailures, type SqlDriver, SqlFailure } from "./driver.js";
import { openMysql } from "./mysqlDriver.js";
import {
  type ParsedSqlSamplerOptions,
  type SqlSamplerOptions,
  sqlPluginId,
  sqlSamplerOptionsSchema,
} from "./options.js";
import { acquirePool } from "./poolRegistry.js";
import { openPostgres } from "./postgresDriver.js";
import { openSqlite } from "./sqliteDriver.js";

/** Validated SQL sampler options whose secrets have been resolved: what {@link createSqlSampler} takes. */
export type ResolvedSqlSamplerOptions = Resolved<ParsedSqlSamplerOptions>;

/** What {@link sqlSampler} takes besides the options: the sampler's identity. */
export interface SqlSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "SQL <url without password>"
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

/**
 * How long a network engine gets beyond `timeout` to report its own statement timeout before the probe
 * drops the connection: the server's cancellation keeps the connection reusable, the drop does not.
 */
const serverCancelGraceMs = 1000;

const hostIds = new WeakMap<object, number>();
let lastHostId = 0;

function hostIdOf(files: object): number {
  let id = hostIds.get(files);
  if (id === undefined) {
    id = ++lastHostId;
    hostIds.set(files, id);
  }
  return id;
}

/**
 * Creates a SQL sampler from options already validated and resolved, as the plugin's `create` receives
 * them. Most code wants {@link sqlSampler} instead.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` when the (resolved) `url` is not a connection string this
 * sampler understands; the message shows the URL without its password.
 */
export function createSqlSampler(
  options: ResolvedSqlSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  const parsedUrl = parseConnectionUrl(options.url);
  if (typeof parsedUrl === "string") {
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${sqlPluginId}: url: ${parsedUrl}`,
      {
        details: { plugin: sqlPluginId, issues: [{ path: ["url"], message: parsedUrl }] },
      },
    );
  }
  const target: ConnectionTarget = parsedUrl;
  const secrets = secretsOf(options.url, target, options.password);
  const timeoutMs = parseDuration(options.timeout);
  const idleTimeoutMs = parseDuration(options.idleTimeout);
  const sql = shortSql(options.query);

  let connectionUrl = "";
  let open: () => Promise<SqlDriver>;
  const files = identity.host?.files;
  if (target.engine === "sqlite") {
    const resolve = files && ((path: string) => files.resolve(path));
    open = () => openSqlite({ path: target.path, poolSize: options.poolSize, idleTimeoutMs, resolve });
  } else {
    const url = new URL(target.url);
    if (options.password !== undefined) url.password = encodeURIComponent(options.password);
    if (target.engine === "mysql" && url.protocol === "mariadb:") url.protocol = "mysql:";
    connectionUrl = url.href;
    const pool = {
      url: connectionUrl,
      address: target.address,
      database: target.database,
      user: target.user,
      poolSize: options.poolSize,
      idleTimeoutMs,
      connectTimeoutMs: timeoutMs,
    };
    open = target.engine === "postgres" ? () => openPostgres(pool) : () => openMysql(pool);
  }
  const key = JSON.stringify([
    target.engine,
    target.engine === "sqlite" ? target.path : connectionUrl,
    options.poolSize,
    idleTimeoutMs,
    // A pool checks files with the host of the sampler that opened it: samplers of different hosts
    // (a server's, a library user's unrestricted one) never share one.
    files === undefined ? 0 : hostIdOf(files),
  ]);
  const lease = acquirePool(
    key,
    { engine: target.engine, url: target.display, poolSize: options.poolSize },
    open,
  );
  const graceMs = target.engine === "sqlite" ? 0 : serverCancelGraceMs;
  let disposed = false;

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const details = (extra: Record<string, JsonValue> = {}): Record<string, JsonValue> => ({
      engine: target.engine,
      url: target.display,
      query: sql,
      ...extra,
    });
    if (disposed) {
      return results.unknown(`the sampler was disposed (${sql})`, { timestamp, details: details() });
    }
    // The database enforces timeoutMs itself; this only catches a server that stops answering at all.
    const deadline = probeDeadline(timeoutMs + graceMs, context, `no answer within ${timeoutMs} ms`);
    try {
      const driver = await lease.driver();
      const outcome = await driver.query(options.query, { timeoutMs, signal: deadline.signal });
      const verdict = judge(outcome, options, sql);
      const durationMs = elapsed();
      return results.of(verdict.status, scrubSecrets(verdict.message, secrets), {
        ...(verdict.value === undefined ? {} : { value: verdict.value }),
        durationMs,
        timestamp,
        details: details({
          rowCount: outcome.rowCount,
          columns: outcome.columns.slice(0, 50),
          ...(verdict.shown === undefined ? {} : { value: verdict.shown }),
        }),
      });
    } catch (error) {
      const init = { durationMs: elapsed(), timestamp };
      if (deadline.timedOut) {
        return results.critical(`query did not finish within ${timeoutMs} ms (${sql})`, {
          ...init,
          details: details({ failure: "timeout" }),
        });
      }
      if (context?.signal.aborted) {
        return results.unknown(`probe aborted (${sql})`, {
          ...init,
          details: details({ failure: "aborted" }),
        });
      }
      if (error instanceof SqlFailure) {
        const message =
          error.kind === "timeout"
            ? `query did not finish within ${timeoutMs} ms`
            : scrubSecrets(error.message, secrets);
        const where =
          error.kind === "query" || error.kind === "readOnly" || error.kind === "timeout"
            ? sql
            : target.display;
        return results.of(
          criticalFailures.has(error.kind) ? "critical" : "unknown",
          `${message} (${where})`,
          {
            ...init,
            details: details({
              failure: error.kind,
              ...(error.code === undefined ? {} : { code: error.code }),
            }),
          },
        );
      }
      const message = scrubSecrets(error instanceof Error ? error.message : String(error), secrets);
      return results.unknown(`the SQL sampler failed: ${message} (${target.display})`, {
        ...init,
        details: details({ failure: "internal" }),
      });
    } finally {
      deadline.dispose();
    }
  }

  return {
    name: identity.name ?? `SQL ${target.display}`,
    tags: [...(identity.tags ?? [])],
    probe,
    async dispose() {
      disposed = true;
      await lease.release();
    },
  };
}

/**
 * Creates a sampler that runs a read-only SQL query and judges its result: a value against thresholds or
 * an expected value, and/or the number of rows. PostgreSQL, MySQL/MariaDB and SQLite, chosen by the URL's
 * scheme. Use it on its own, in any Node.js program; module files use {@link sql} instead.
 *
 * `probe()` never throws: an unreachable database, refused credentials or a timeout is `critical`; a broken
 * query (syntax, unknown table, an attempt to write) is `unknown`. Connection pools are shared by every
 * sampler of the process with the same URL; call `dispose()` when done so the last one closes the pool.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` when a `secret("NAME")` is not set in the environment.
 *
 * @example
 * ```ts
 * import { sqlSampler } from "@amstaff/sampler-sql";
 *
 * const stuckJobs = sqlSampler({
 *   url: { $secret: "JOBS_DB_URL" },
 *   query: "SELECT count(*) FROM jobs WHERE state = 'running' AND started_at < now() - interval '1 hour'",
 *   warning: 1,
 *   critical: 10,
 * });
 * const result = await stuckJobs.probe();
 * console.log(result.status, result.message); // "ok" "value 0 (SELECT count(*) FROM jobs WHERE ...)"
 * await stuckJobs.dispose?.();
 * ```
 */
export function sqlSampler(options: SqlSamplerOptions & SqlSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: sqlPluginId, options: sqlSamplerOptionsSchema }, rest);
  return createSqlSampler(resolveSecrets(parsed), {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
