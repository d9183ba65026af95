import { errorCodesOf } from "@amstaff/core";
/** What a query returned, reduced to what the checks need: nothing else of the rows is kept. */
export interface QueryOutcome {
  /** The column names, in order. */
  columns: string[];
  /** How many rows the query returned. */
  rowCount: number;
  /** The first row's values, in column order; `undefined` when there are no rows. */
  firstRow: unknown[] | undefined;
}

/** How long a query may run, and when to give up on it. */
export interface QueryLimits {
  /** The statement timeout the database itself enforces, in milliseconds. */
  timeoutMs: number;
  /** Aborted when the probe gives up: the driver then drops the connection it was using. */
  signal: AbortSignal;
}

/** A connection pool for one engine and one connection string, shared by every monitor that uses it. */
export interface SqlDriver {
  /**
   * Runs one statement read-only and returns its outcome.
   * @throws SqlFailure for anything the database or the network reported.
   */
  query(sql: string, limits: QueryLimits): Promise<QueryOutcome>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/**
 * Why a probe failed, as far as the monitor's owner is concerned:
 * - `unreachable`: no connection (refused, DNS, network, no answer to connect);
 * - `auth`: the database refused the credentials;
 * - `database`: the database named in the URL does not exist (or the SQLite file cannot be opened);
 * - `timeout`: the query did not finish within `timeout`;
 * - `unavailable`: the server is up but cannot serve (too many connections, shutting down, locked);
 * - `query`: the query itself is broken (syntax, unknown table or column, permissions, types);
 * - `readOnly`: the query tried to write, which monitors never may;
 * - `refused`: the server does not allow this sampler to open the file (SQLite outside `--sqlite-root`).
 */
export type SqlFailureKind =
  | "unreachable"
  | "auth"
  | "database"
  | "timeout"
  | "unavailable"
  | "query"
  | "readOnly"
  | "refused";

/** The failure kinds that mean the database does not serve the monitor (`critical`); others mean the query is broken (`unknown`). */
export const criticalFailures: ReadonlySet<SqlFailureKind> = new Set([
  "unreachable",
  "auth",
  "database",
  "timeout",
  "unavailable",
]);

/** A classified failure of a query, with a message already free of secrets. */
export class SqlFailure extends Error {
  override readonly name = "SqlFailure";
  readonly kind: SqlFailureKind;
  /** The driver's error code (SQLSTATE, MySQL code name, SQLite code, socket code), when there is one. */
  readonly code: string | undefined;

  constructor(kind: SqlFailureKind, message: string, code?: string) {
    super(message);
    this.kind = kind;
    this.code = code;
  }

  /** The server refused the login; the message names the user, never the password. */
  static auth(target: ServerTarget, code: string): SqlFailure {
    return new SqlFailure(
      "auth",
      `authentication failed for user "${target.user}" on ${target.address}`,
      code,
    );
  }

  /** The database of the connection URL does not exist. */
  static missingDatabase(target: ServerTarget, code: string): SqlFailure {
    return new SqlFailure(
      "database",
      `database "${target.database}" does not exist on ${target.address}`,
      code,
    );
  }
}

/** What the messages of a database server's failures name. */
interface ServerTarget {
  user: string;
  database: string;
  address: string;
}

/** The first line of an error's message. */
export function firstLine(error: unknown): string {
  const message =
    error instanceof AggregateError && error.errors[0] instanceof Error
      ? error.errors[0].message
      : error instanceof Error
        ? error.message
        : String(error);
  return message.split("\n")[0] ?? "";
}

/** A failure for socket-level errors, or `undefined` when the error is not one. */
export function networkFailure(error: unknown, address: string): SqlFailure | undefined {
  const codes = errorCodesOf(error);
  const has = (...wanted: string[]) => codes.find((code) => wanted.includes(code));
  if (has("ECONNREFUSED"))
    return new SqlFailure("unreachable", `connection refused to ${address}`, "ECONNREFUSED");
  const dns = has("ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "ENODATA");
  if (dns) return new SqlFailure("unreachable", `DNS lookup failed for ${address} (${dns})`, dns);
  const reset = has("ECONNRESET", "EPIPE");
  if (reset) return new SqlFailure("unreachable", `connection reset by ${address}`, reset);
  const timedOut = has("ETIMEDOUT");
  if (timedOut) return new SqlFailure("unreachable", `connection to ${address} timed out`, timedOut);
  const unreachable = has("EHOSTUNREACH", "ENETUNREACH");
  if (unreachable)
    return new SqlFailure("unreachable", `${address} is unreachable (${unreachable})`, unreachable);
  return undefined;
}

/**
 * Waits for `promise`, unless `signal` aborts first: then rejects with the signal's reason and hands what
 * `promise` later resolves to `abandon` (to give a pooled connection back).
 */
export function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  abandon: (value: T) => void,
): Promise<T> {
  if (signal.aborted) {
    promise.then(abandon, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) abandon(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) reject(error);
      },
    );
  });
}
