import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { FileResolution } from "@amstaff/core";
import { type QueryLimits, type QueryOutcome, type SqlDriver, SqlFailure } from "./driver.js";

/** Which SQLite file, and how to pool it. */
export interface SqlitePoolOptions {
  /** The absolute path of the database file. */
  path: string;
  poolSize: number;
  idleTimeoutMs: number;
  /**
   * Checks the file again each time a connection opens it (symlinks can change after a module was
   * accepted): the real path to open, or why it may not be opened.
   * @default the path as given, unchecked
   */
  resolve?: ((path: string) => FileResolution) | undefined;
}

/**
 * The code each connection process runs: it opens the file read-only and answers one query at a time.
 * better-sqlite3 is synchronous and has no way to interrupt a running statement, and a worker thread
 * stuck in native SQLite can be neither terminated nor joined (it keeps its CPU, and blocks the process's
 * exit), so each connection lives in its own process, which a timeout SIGKILLs.
 *
 * A process whose parent died without killing it (SIGKILL, OOM) must not spin for ever: a watchdog
 * thread, which a busy main thread cannot block, kills it when it is re-parented.
 */
const childSource = `
const { Worker } = require("node:worker_threads");
const watchdog = new Worker(
  "const p = process.ppid; setInterval(() => { if (process.ppid !== p) process.kill(process.pid, 'SIGKILL'); }, 1000);",
  { eval: true },
);
watchdog.unref();
// A watchdog still starting when a runaway query blocks this thread would never start: wait for it.
const watching = new Promise((resolve) => watchdog.once("online", resolve));
const [driver, path, busyTimeoutMs] = JSON.parse(process.argv[1]);
let db;
let openError;
try {
  const Database = require(driver);
  db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  db.pragma("query_only = ON");
} catch (error) {
  openError = error;
}
const failure = (error, opening) => ({
  error: { message: String((error && error.message) || error), code: error && error.code, opening },
});
process.on("disconnect", () => process.exit(0));
process.on("message", (message) => void watching.then(() => answer(message)));
const answer = ({ id, sql }) => {
  if (openError) return process.send({ id, ...failure(openError, true) });
  try {
    const statement = db.prepare(sql);
    // A read-only connection still runs ATTACH (any file the process can read, past the SQLite roots, for
    // the next query of the pooled connection), VACUUM INTO (a new file anywhere) and PRAGMA assignments:
    // only a statement that returns rows runs.
    if (!statement.reader) {
      return process.send({
        id,
        ...failure(
          new Error(
            "only statements that return rows run here, read-only; ATTACH, VACUUM, PRAGMA assignments and writes are refused",
          ),
          false,
        ),
      });
    }
    statement.raw(true);
    let rowCount = 0;
    let firstRow;
    for (const row of statement.iterate()) {
      if (rowCount === 0) firstRow = row;
      rowCount += 1;
    }
    process.send({ id, columns: statement.columns().map((c) => c.name), rowCount, firstRow });
  } catch (error) {
    process.send({ id, ...failure(error, false) });
  }
};
`;

interface ChildReply {
  id: number;
  columns?: string[];
  rowCount?: number;
  firstRow?: unknown[];
  error?: { message: string; code?: string; opening: boolean };
}

interface Slot {
  child: ChildProcess;
  pending: ((reply: ChildReply | Error) => void) | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  dead: boolean;
  exited: Promise<void>;
}

/** A probe waiting for a connection: handed one, or told why it gets none. */
interface Waiter {
  take(slot: Slot): void;
  fail(error: unknown): void;
}

// Every connection process of this process, so that none outlives it (process.exit, a second SIGTERM).
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of liveChildren) c.kill("SIGKILL");
    });
  }
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
}

/**
 * The ids of the SQLite connection processes this process has running (not yet exited): for diagnostics
 * and tests that check none leaks.
 */
export function sqliteProcesses(): number[] {
  return [...liveChildren].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

/** Classifies a SQLite error by its result code (https://sqlite.org/rescode.html). */
export function classifySqliteError(
  error: { message: string; code?: string; opening?: boolean },
  path: string,
): SqlFailure {
  const code = error.code;
  if (code === "SQLITE_CANTOPEN" || (error.opening && code === undefined)) {
    return new SqlFailure("database", `cannot open the SQLite file ${path} (${error.message})`, code);
  }
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    return new SqlFailure("database", `${path} is not a usable SQLite database (${error.message})`, code);
  }
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new SqlFailure("unavailable", `${path} is locked (${error.message})`, code);
  }
  if (code?.startsWith("SQLITE_READONLY") || /read-?only|query_only/i.test(error.message)) {
    return new SqlFailure(
      "readOnly",
      `the query tried to write (${error.message}): monitor queries run read-only`,
      code,
    );
  }
  if (code?.startsWith("SQLITE_IOERR")) return new SqlFailure("database", `${error.message} (${path})`, code);
  return new SqlFailure("query", `${error.message}${code ? ` (${code})` : ""}`, code);
}

/**
 * Opens a pool of read-only SQLite connections, each in its own child process: a query past its
 * deadline (or whose probe is aborted) has its process killed, which frees its CPU at once, and the pool
 * starts another for the next query. `close()` kills every process, busy or idle, and waits for them.
 */
export async function openSqlite(options: SqlitePoolOptions): Promise<SqlDriver> {
  const driverPath = createRequire(import.meta.url).resolve("better-sqlite3");
  const idle: Slot[] = [];
  const all = new Set<Slot>();
  const waiting: Waiter[] = [];
  let nextId = 0;
  let closed = false;

  function start(): Slot {
    const checked = options.resolve?.(options.path) ?? { ok: true as const, path: options.path };
    if (!checked.ok) throw new SqlFailure("refused", checked.reason);
    // No environment: the connection process needs none, and the server's secrets stay out of it.
    const child = spawn(
      process.execPath,
      ["-e", childSource, JSON.stringify([driverPath, checked.path, 1000])],
      {
        env: {},
        stdio: ["ignore", "ignore", "ignore", "ipc"],
        serialization: "advanced",
      },
    );
    track(child);
    const slot: Slot = {
      child,
      pending: undefined,
      idleTimer: undefined,
      dead: false,
      exited: new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
      }),
    };
    all.add(slot);
    // An idle process never keeps this one alive; a probe waiting on one has its own timer that does.
    child.unref();
    child.channel?.unref();
    child.on("message", (reply: ChildReply) => {
      const pending = slot.pending;
      slot.pending = undefined;
      pending?.(reply);
    });
    const fail = (error: Error) => {
      kill(slot);
      const pending = slot.pending;
      slot.pending = undefined;
      pending?.(error);
    };
    child.on("error", fail);
    child.on("exit", (code, signal) =>
      fail(new Error(`the SQLite connection process exited (${signal ?? `code ${code}`})`)),
    );
    return slot;
  }

  function kill(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    all.delete(slot);
    clearTimeout(slot.idleTimer);
    const index = idle.indexOf(slot);
    if (index >= 0) idle.splice(index, 1);
    // Held until it has exited, so that close() can wait for it even in a program with nothing else to do.
    slot.child.ref();
    slot.child.kill("SIGKILL");
    // A waiting probe takes the place the dead process leaves.
    const next = closed ? undefined : waiting.shift();
    if (next !== undefined) {
      try {
        next.take(start());
      } catch (error) {
        // Refused (the file moved out of the allowed roots): the waiting probe fails the same way.
        next.fail(error);
      }
    }
  }

  function acquire(signal: AbortSignal): Promise<Slot> {
    const ready = idle.pop();
    if (ready !== undefined) {
      clearTimeout(ready.idleTimer);
      return Promise.resolve(ready);
    }
    if (all.size < options.poolSize) {
      try {
        return Promise.resolve(start());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(waiter);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        take: (slot) => {
          signal.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        fail: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      waiting.push(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  function release(slot: Slot): void {
    if (slot.dead) return;
    const next = waiting.shift();
    if (next !== undefined) {
      next.take(slot);
      return;
    }
    if (closed) {
      kill(slot);
      return;
    }
    slot.idleTimer = setTimeout(() => kill(slot), options.idleTimeoutMs);
    slot.idleTimer.unref();
    idle.push(slot);
  }

  async function query(sql: string, { signal }: QueryLimits): Promise<QueryOutcome> {
    if (closed) throw new SqlFailure("unavailable", "the SQLite pool is closed");
    const slot = await acquire(signal);
    const id = nextId++;
    const reply = await new Promise<ChildReply | Error>((resolve) => {
      const onAbort = () => {
        slot.pending = undefined;
        kill(slot);
        resolve(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      slot.pending = (answer) => {
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      };
      slot.child.send({ id, sql }, (error) => {
        if (error) slot.pending?.(error);
      });
    });
    if (reply instanceof Error) {
      if (signal.aborted) throw reply;
      throw new SqlFailure("unavailable", `SQLite connection failed: ${reply.message}`);
    }
    if (reply.error !== undefined) {
      // A process that could not open the file is replaced, so the next probe tries to open it again.
      if (reply.error.opening) kill(slot);
      else release(slot);
      throw classifySqliteError(reply.error, options.path);
    }
    release(slot);
    return { columns: reply.columns ?? [], rowCount: reply.rowCount ?? 0, firstRow: reply.firstRow };
  }

  return {
    query,
    async close() {
      closed = true;
      const slots = [...all];
      for (const slot of slots) {
        const pending = slot.pending;
        slot.pending = undefined;
        kill(slot);
        pending?.(new Error("the SQLite pool was closed"));
      }
      for (const waiter of waiting.splice(0)) {
        waiter.fail(new SqlFailure("unavailable", "the SQLite pool is closed"));
      }
      await Promise.all(slots.map((slot) => slot.exited));
    },
  };
}
