import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { type QueryLimits, type QueryOutcome, type SqlDriver, SqlFailure } from "./driver.js";

/** Which SQLite file, and how to pool it. */
export interface SqlitePoolOptions {
  /** The absolute path of the database file. */
  path: string;
  poolSize: number;
  idleTimeoutMs: number;
}

/**
 * The code each worker thread runs: it opens the file read-only and answers one query at a time.
 * better-sqlite3 is synchronous and cannot interrupt a running statement, so queries run off the main
 * thread: a slow query never blocks the event loop, and a query past its timeout is abandoned by
 * terminating its worker (the thread stops when SQLite returns control).
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
let db;
let openError;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
  db.pragma("query_only = ON");
} catch (error) {
  openError = error;
}
const failure = (error, opening) => ({
  error: { message: String((error && error.message) || error), code: error && error.code, opening },
});
parentPort.on("message", ({ id, sql }) => {
  if (openError) return parentPort.postMessage({ id, ...failure(openError, true) });
  try {
    const statement = db.prepare(sql);
    if (!statement.reader) {
      statement.run();
      return parentPort.postMessage({ id, columns: [], rowCount: 0 });
    }
    statement.raw(true);
    let rowCount = 0;
    let firstRow;
    for (const row of statement.iterate()) {
      if (rowCount === 0) firstRow = row;
      rowCount += 1;
    }
    parentPort.postMessage({ id, columns: statement.columns().map((c) => c.name), rowCount, firstRow });
  } catch (error) {
    parentPort.postMessage({ id, ...failure(error, false) });
  }
});
`;

interface WorkerReply {
  id: number;
  columns?: string[];
  rowCount?: number;
  firstRow?: unknown[];
  error?: { message: string; code?: string; opening: boolean };
}

interface Slot {
  worker: Worker;
  pending: ((reply: WorkerReply | Error) => void) | undefined;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  dead: boolean;
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

/** Opens a pool of read-only SQLite connections, each in its own worker thread. */
export async function openSqlite(options: SqlitePoolOptions): Promise<SqlDriver> {
  const driverPath = createRequire(import.meta.url).resolve("better-sqlite3");
  const idle: Slot[] = [];
  const waiting: Array<(slot: Slot) => void> = [];
  let live = 0;
  let nextId = 0;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { driver: driverPath, path: options.path, busyTimeoutMs: 1000 },
    });
    // An idle worker never keeps the process alive; a probe waiting on one has its own timer that does.
    worker.unref();
    const slot: Slot = { worker, pending: undefined, idleTimer: undefined, dead: false };
    live += 1;
    worker.on("message", (reply: WorkerReply) => {
      const pending = slot.pending;
      slot.pending = undefined;
      pending?.(reply);
    });
    const fail = (error: Error) => {
      kill(slot);
      slot.pending?.(error);
      slot.pending = undefined;
    };
    worker.on("error", fail);
    worker.on("exit", () => fail(new Error("the SQLite worker thread exited")));
    return slot;
  }

  function kill(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    live -= 1;
    clearTimeout(slot.idleTimer);
    const index = idle.indexOf(slot);
    if (index >= 0) idle.splice(index, 1);
    void slot.worker.terminate();
    // A waiting probe takes the place the dead worker leaves.
    const next = waiting.shift();
    if (next !== undefined && !closed) next(spawn());
  }

  function acquire(signal: AbortSignal): Promise<Slot> {
    const ready = idle.pop();
    if (ready !== undefined) {
      clearTimeout(ready.idleTimer);
      return Promise.resolve(ready);
    }
    if (live < options.poolSize) return Promise.resolve(spawn());
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(take);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal.reason);
      };
      const take = (slot: Slot) => {
        signal.removeEventListener("abort", onAbort);
        resolve(slot);
      };
      waiting.push(take);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  function release(slot: Slot): void {
    if (slot.dead) return;
    const next = waiting.shift();
    if (next !== undefined) {
      next(slot);
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
    const reply = await new Promise<WorkerReply | Error>((resolve) => {
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
      slot.worker.postMessage({ id, sql });
    });
    if (reply instanceof Error) {
      if (signal.aborted) throw reply;
      throw new SqlFailure("unavailable", `SQLite worker failed: ${reply.message}`);
    }
    if (reply.error !== undefined) {
      // A worker that could not open the file is replaced, so the next probe tries to open it again.
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
      for (const slot of [...idle]) kill(slot);
    },
  };
}
