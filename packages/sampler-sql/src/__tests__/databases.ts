import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";

/** Where the test servers are (the development machines and CI run them on loopback). */
export const postgresUrl = "postgres://postgres@127.0.0.1:5432/test";
export const mariadbUrl = "mysql://root@127.0.0.1:3306/test";

/** A name unique to this test run, for tables and roles. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

/**
 * A connection to the local PostgreSQL for setting up fixtures. Fails with instructions when the server is
 * not running: CI must not skip these tests.
 */
export async function postgresAdmin(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2, connectionTimeoutMillis: 5000 });
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(
      `PostgreSQL is not reachable at ${postgresUrl} (${(error as Error).message}). Start it with:\n` +
        "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n" +
        "(trust auth for 127.0.0.1, a database named test).",
    );
  }
  return pool;
}

/** A connection to the local MariaDB for setting up fixtures; fails with instructions when it is down. */
export async function mariadbAdmin(): Promise<mysql.Pool> {
  const pool = mysql.createPool({ uri: mariadbUrl, connectionLimit: 2, connectTimeout: 5000 });
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(
      `MariaDB is not reachable at ${mariadbUrl} (${(error as Error).message}). Start it with:\n` +
        "  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd\n" +
        "(root without a password from 127.0.0.1, a database named test).",
    );
  }
  return pool;
}

/** A SQLite file with a `t` table of three rows in a fresh temporary directory; `rows(where?)` counts them. */
export function sqliteFixture(): {
  dir: string;
  path: string;
  rows: (where?: string) => number;
  [Symbol.dispose](): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-sql-"));
  const path = join(dir, "fixture.db");
  const db = new Database(path);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT, amount REAL, doc TEXT)");
  const insert = db.prepare("INSERT INTO t (state, amount, doc) VALUES (?, ?, ?)");
  insert.run("ok", 10.5, '{"a":1}');
  insert.run("stuck", 20, '{"a":2}');
  insert.run("stuck", 30, null);
  db.close();
  return {
    dir,
    path,
    rows: (where = "TRUE") => {
      const check = new Database(path, { readonly: true });
      try {
        return (check.prepare(`SELECT count(*) AS n FROM t WHERE ${where}`).get() as { n: number }).n;
      } finally {
        check.close();
      }
    },
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}
