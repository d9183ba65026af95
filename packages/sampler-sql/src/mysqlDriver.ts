import type { FieldPacket, PoolConnection } from "mysql2/promise";
import {
  firstLine,
  networkFailure,
  type QueryLimits,
  type QueryOutcome,
  type SqlDriver,
  SqlFailure,
  unlessAborted,
} from "./driver.js";

/** Where and how to connect to MySQL or MariaDB. */
export interface MysqlPoolOptions {
  /** The connection string, credentials included, with a `mysql://` scheme. */
  url: string;
  /** `host:port`, for messages. */
  address: string;
  database: string;
  user: string;
  poolSize: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
}

const timeoutCodes = new Set(["ER_STATEMENT_TIMEOUT", "ER_QUERY_TIMEOUT", "PROTOCOL_SEQUENCE_TIMEOUT"]);
const unavailableCodes = new Set([
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_HOST_IS_BLOCKED",
  "ER_LOCK_WAIT_TIMEOUT",
]);

/** Classifies a mysql2 error by its MySQL/MariaDB error code name. */
export function classifyMysqlError(error: unknown, options: MysqlPoolOptions): SqlFailure {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  const message = firstLine(error);
  if (code === "ER_ACCESS_DENIED_ERROR" || code === "ER_DBACCESS_DENIED_ERROR") {
    return SqlFailure.auth(options, code);
  }
  if (code === "ER_BAD_DB_ERROR") {
    return SqlFailure.missingDatabase(options, code);
  }
  // 1969: MariaDB's max_statement_time, which mysql2 has no name for; 3024: MySQL's max_execution_time.
  if ((typeof code === "string" && timeoutCodes.has(code)) || errno === 1969 || errno === 3024) {
    return new SqlFailure("timeout", message, typeof code === "string" ? code : `errno ${String(errno)}`);
  }
  // 1792: ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION; 1290: the server runs with --read-only.
  if (errno === 1792 || code === "ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION" || errno === 1290) {
    return new SqlFailure(
      "readOnly",
      `the query tried to write (${message}): monitor queries run read-only`,
      typeof code === "string" ? code : undefined,
    );
  }
  if (typeof code === "string" && unavailableCodes.has(code)) {
    return new SqlFailure("unavailable", `${message} (${options.address})`, code);
  }
  const network = networkFailure(error, options.address);
  if (network !== undefined) return network;
  if (code === "PROTOCOL_CONNECTION_LOST") {
    return new SqlFailure("unreachable", `connection to ${options.address} lost`, code);
  }
  // Errors the server sends have numbers below 2000 (client errors start at 2000).
  if (typeof errno === "number" && errno < 2000 && typeof code === "string") {
    return new SqlFailure("query", `${message} (${code})`, code);
  }
  return new SqlFailure(
    "unreachable",
    `${message} (${options.address})`,
    typeof code === "string" ? code : undefined,
  );
}

/** Opens a MySQL/MariaDB pool; `mysql2` is loaded here, on first use. */
export async function openMysql(options: MysqlPoolOptions): Promise<SqlDriver> {
  const mysql = await import("mysql2/promise");
  const pool = mysql.createPool({
    uri: options.url,
    connectionLimit: options.poolSize,
    // mysql2 closes idle connections beyond maxIdle at once and the others after idleTimeout; it only
    // watches idle connections when maxIdle < connectionLimit.
    maxIdle: Math.max(0, options.poolSize - 1),
    idleTimeout: options.idleTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    multipleStatements: false,
    supportBigNumbers: true,
    enableKeepAlive: true,
  });
  // The server flavour, looked up once per connection; a connection object is collected with it.
  const flavours = new WeakMap<object, "mariadb" | "mysql">();

  /**
   * Makes the session read-only and bounds its statements, before every query. `START TRANSACTION READ
   * ONLY` alone is not enough: a DDL statement (`DROP TABLE`) commits the open transaction implicitly and
   * then runs in a fresh read-write one. A read-only *session* refuses it. Setting it before every query,
   * in the same round trip as the statement timeout, also undoes whatever an earlier query of another monitor
   * on this pooled connection changed (`SET SESSION TRANSACTION READ WRITE`, `SET autocommit = 0`).
   */
  async function prepareSession(connection: PoolConnection, timeoutMs: number): Promise<void> {
    let flavour = flavours.get(connection.connection);
    if (flavour === undefined) {
      const [rows] = await connection.query({ sql: "SELECT VERSION()", rowsAsArray: true });
      flavour = /mariadb/i.test(String((rows as unknown[][])[0]?.[0] ?? "")) ? "mariadb" : "mysql";
      flavours.set(connection.connection, flavour);
    }
    const ms = Math.max(1, Math.ceil(timeoutMs));
    await connection.query(
      flavour === "mariadb"
        ? `SET SESSION autocommit = 1, tx_read_only = 1, max_statement_time = ${ms / 1000}`
        : `SET SESSION autocommit = 1, transaction_read_only = 1, max_execution_time = ${ms}`,
    );
  }

  async function query(sql: string, { timeoutMs, signal }: QueryLimits): Promise<QueryOutcome> {
    let connection: PoolConnection;
    try {
      connection = await unlessAborted(pool.getConnection(), signal, (late) => late.release());
    } catch (error) {
      if (signal.aborted) throw error;
      throw classifyMysqlError(error, options);
    }
    let released = false;
    const release = (destroy?: boolean) => {
      if (released) return;
      released = true;
      if (destroy) connection.destroy();
      else connection.release();
    };
    const onAbort = () => release(true);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await prepareSession(connection, timeoutMs);
      // With autocommit, the statement runs in a transaction of its own, read-only like its session.
      const [rows, fields] = await connection.query({ sql, rowsAsArray: true });
      release();
      const list = Array.isArray(rows) ? (rows as unknown[]) : [];
      return {
        columns: Array.isArray(fields) ? (fields as FieldPacket[]).map((field) => field.name) : [],
        rowCount: list.length,
        firstRow: list[0] as unknown[] | undefined,
      };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const failure = classifyMysqlError(error, options);
      // A server-side error leaves the connection usable; anything else (a lost connection) does not.
      release(failure.kind !== "query" && failure.kind !== "readOnly" && failure.kind !== "timeout");
      throw failure;
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
