import type { PoolClient, QueryArrayConfig } from "pg";
import {
  firstLine,
  networkFailure,
  type QueryLimits,
  type QueryOutcome,
  type SqlDriver,
  SqlFailure,
  unlessAborted,
} from "./driver.js";

/** Where and how to connect to PostgreSQL. */
export interface PostgresPoolOptions {
  /** The connection string, credentials included. */
  url: string;
  /** `host:port`, for messages. */
  address: string;
  database: string;
  user: string;
  poolSize: number;
  idleTimeoutMs: number;
  /** How long to wait for a connection (a new one, or a busy pool's next free one). */
  connectTimeoutMs: number;
}

/** Classifies a PostgreSQL error by its SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export function classifyPostgresError(error: unknown, options: PostgresPoolOptions): SqlFailure {
  const code = (error as { code?: unknown }).code;
  const message = firstLine(error);
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
    if (code === "28P01" || code === "28000") {
      return SqlFailure.auth(options, code);
    }
    if (code === "3D000") {
      return SqlFailure.missingDatabase(options, code);
    }
    if (code === "57014") return new SqlFailure("timeout", message, code);
    if (code === "25006") {
      return new SqlFailure(
        "readOnly",
        `the query tried to write (${message}): monitor queries run read-only`,
        code,
      );
    }
    if (code.startsWith("08")) return new SqlFailure("unreachable", `${message} (${options.address})`, code);
    if (
      code === "53300" ||
      code === "57P01" ||
      code === "57P02" ||
      code === "57P03" ||
      code.startsWith("53")
    ) {
      return new SqlFailure("unavailable", `${message} (${options.address}, SQLSTATE ${code})`, code);
    }
    return new SqlFailure("query", `${message} (SQLSTATE ${code})`, code);
  }
  const network = networkFailure(error, options.address);
  if (network !== undefined) return network;
  if (/timeout exceeded when trying to connect/i.test(message)) {
    return new SqlFailure(
      "unreachable",
      `no connection to ${options.address} within ${options.connectTimeoutMs} ms (the server does not answer, or all ${options.poolSize} pooled connections are busy)`,
      "CONNECT_TIMEOUT",
    );
  }
  return new SqlFailure("unreachable", `${message} (${options.address})`);
}

/** Opens a PostgreSQL pool; `pg` is loaded here, on first use. */
export async function openPostgres(options: PostgresPoolOptions): Promise<SqlDriver> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: "amstaff-sampler-sql",
    max: options.poolSize,
    idleTimeoutMillis: options.idleTimeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs,
    allowExitOnIdle: true,
  });
  // An idle client whose server went away emits on the pool; without a listener that would crash the process.
  pool.on("error", () => {});

  async function query(sql: string, { timeoutMs, signal }: QueryLimits): Promise<QueryOutcome> {
    let client: PoolClient;
    try {
      client = await unlessAborted(pool.connect(), signal, (late) => late.release());
    } catch (error) {
      if (signal.aborted) throw error;
      throw classifyPostgresError(error, options);
    }
    let released = false;
    const release = (destroy?: boolean) => {
      if (released) return;
      released = true;
      client.release(destroy);
    };
    // Dropping the connection fails the running query at once; the server cancels it by statement_timeout.
    const onAbort = () => release(true);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await client.query(
        `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(timeoutMs))}`,
      );
      // The extended protocol runs exactly one statement: `SELECT 1; COMMIT; DELETE ...` is refused whole,
      // so a query can never end the read-only transaction it runs in.
      const config = { text: sql, rowMode: "array", queryMode: "extended" } as QueryArrayConfig;
      const result = await client.query(config);
      await client.query("ROLLBACK");
      release();
      return {
        columns: (result.fields ?? []).map((field) => field.name),
        rowCount: result.rows?.length ?? 0,
        firstRow: result.rows?.[0],
      };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      try {
        await client.query("ROLLBACK");
        release();
      } catch {
        release(true);
      }
      throw classifyPostgresError(error, options);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  return {
    query,
    async close() {
      await pool.end();
    },
  };
}
