// SQLite probes per second of @amstaff/sampler-sql, whose connections are child processes (a runaway
// query is SIGKILLed), beside the worker-thread pool it replaced (which could not stop one) and
// better-sqlite3 called in-process. Not a test. Build first (`npx -y pnpm@12.21.0 build`), then
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run samplers:sqlite [-- --seconds 5 --monitors 1,64 --pool 4 --rounds 3]
//
// Same method as samplers:sql: each row in a fresh client process, `--rounds` interleaved rounds, the
// median printed. CPU counts the client process and its connection processes (from /proc), so the
// child-process design pays for its processes. Rows:
//   sampler-sql (processes)   the sampler: a pool of `--pool` connection processes, one IPC round trip a query
//   worker threads (before)   the previous design, reproduced: a pool of `--pool` worker threads
//   in-process                better-sqlite3 on the main thread: no isolation, no timeout, the floor
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  measureInChild,
  measureProbes,
  medianOfRounds,
  type Probe,
  printRows,
  type RowResult,
  reportToParent,
} from "./probeLoop.ts";

const self = fileURLToPath(import.meta.url);
const require = createRequire(createRequire(import.meta.url).resolve("@amstaff/sampler-sql"));
const driverPath = require.resolve("better-sqlite3");
const query = "SELECT count(*) FROM jobs WHERE state = 'stuck'";

/** CPU time (ms) of this process's live child processes, from /proc (10 ms ticks). */
function childCpuMs(): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks * 10;
}

// The worker-thread pool sampler-sql used before (its per-query path: postMessage, prepare, iterate, reply).
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: 1000 });
db.pragma("query_only = ON");
parentPort.on("message", ({ id, sql }) => {
  const statement = db.prepare(sql);
  statement.raw(true);
  let rowCount = 0;
  let firstRow;
  for (const row of statement.iterate()) {
    if (rowCount === 0) firstRow = row;
    rowCount += 1;
  }
  parentPort.postMessage({ id, columns: statement.columns().map((c) => c.name), rowCount, firstRow });
});
`;

// The same per-query path in a child process, as sampler-sql now runs it, without the sampler around it.
const childSource = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2], { readonly: true, fileMustExist: true, timeout: 1000 });
db.pragma("query_only = ON");
process.on("disconnect", () => process.exit(0));
process.on("message", ({ id, sql }) => {
  const statement = db.prepare(sql);
  statement.raw(true);
  let rowCount = 0;
  let firstRow;
  for (const row of statement.iterate()) {
    if (rowCount === 0) firstRow = row;
    rowCount += 1;
  }
  process.send({ id, columns: statement.columns().map((c) => c.name), rowCount, firstRow });
});
`;

/** A pool of connections, each a worker thread (`kind: "thread"`) or a child process. */
function connectionPool(path: string, size: number, kind: "thread" | "process") {
  type Connection = {
    send(message: unknown): void;
    once(event: "message", listener: (m: unknown) => void): void;
    close(): Promise<unknown>;
  };
  const open = (): Connection => {
    if (kind === "thread") {
      const worker = new Worker(workerSource, { eval: true, workerData: { driver: driverPath, path } });
      return {
        send: (m) => worker.postMessage(m),
        once: (e, l) => worker.once(e, l),
        close: () => worker.terminate(),
      };
    }
    const child = spawn(process.execPath, ["-e", childSource, driverPath, path], {
      env: {},
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      serialization: "advanced",
    });
    return {
      send: (m) => child.send(m as object),
      once: (e, l) => child.once(e, l),
      close: async () => {
        child.kill("SIGKILL");
        await once(child, "exit");
      },
    };
  };
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const waiting: ((c: Connection) => void)[] = [];
  const acquire = (): Promise<Connection> => {
    const ready = idle.pop();
    if (ready) return Promise.resolve(ready);
    if (all.length < size) {
      const connection = open();
      all.push(connection);
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (connection: Connection) => {
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  };
  return {
    async query(sql: string): Promise<{ firstRow: unknown[] }> {
      const connection = await acquire();
      try {
        return await new Promise<{ firstRow: unknown[] }>((resolve) => {
          connection.once("message", (m) => resolve(m as { firstRow: unknown[] }));
          connection.send({ id: 0, sql });
        });
      } finally {
        release(connection);
      }
    },
    close: () => Promise.all(all.map((c) => c.close())),
  };
}

async function measure(client: string, monitors: number, path: string, seconds: number, poolSize: number) {
  let close: () => Promise<unknown>;
  let makeProbe: () => Probe;
  if (client === "sampler-sql (processes)") {
    const { sqlSampler } = await import("@amstaff/sampler-sql");
    const samplers: { dispose?: () => void | Promise<void> }[] = [];
    makeProbe = () => {
      const sampler = sqlSampler({ url: `sqlite://${path}`, query, poolSize, critical: 1_000_000 });
      samplers.push(sampler);
      const controller = new AbortController();
      return async () => (await sampler.probe({ signal: controller.signal })).status === "ok";
    };
    close = () => Promise.all(samplers.map((s) => s.dispose?.()));
  } else if (client === "bare worker threads (before)" || client === "bare processes (now)") {
    const pool = connectionPool(path, poolSize, client.includes("thread") ? "thread" : "process");
    makeProbe = () => async () => (await pool.query(query)).firstRow.length === 1;
    close = pool.close;
  } else {
    const Database = require("better-sqlite3");
    const db = new Database(path, { readonly: true, fileMustExist: true });
    makeProbe = () => async () => {
      const statement = db.prepare(query).raw(true);
      return (statement.get() as unknown[]).length === 1;
    };
    close = async () => db.close();
  }
  return measureProbes(client, Array.from({ length: monitors }, makeProbe), seconds, close, childCpuMs);
}

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    client: { type: "string" },
    path: { type: "string" },
    seconds: { type: "string", default: "5" },
    monitors: { type: "string", default: "1,64" },
    pool: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
  },
});

if (values.client !== undefined && values.path !== undefined) {
  const result = await measure(
    values.client,
    Number(values.monitors),
    values.path,
    Number(values.seconds),
    Number(values.pool),
  );
  reportToParent(result);
} else {
  const seconds = Number(values.seconds);
  const pool = Number(values.pool);
  const dir = mkdtempSync(join(tmpdir(), "amstaff-bench-sqlite-"));
  const path = join(dir, "jobs.db");
  const Database = require("better-sqlite3");
  const db = new Database(path);
  db.exec("CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL)");
  db.exec(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO jobs (state) SELECT CASE WHEN i % 100 = 0 THEN 'stuck' ELSE 'done' END FROM n",
  );
  db.exec("CREATE INDEX jobs_state ON jobs (state)");
  db.close();
  const clients = [
    "sampler-sql (processes)",
    "bare processes (now)",
    "bare worker threads (before)",
    "in-process",
  ];
  let rows: RowResult[] = [];
  try {
    rows = await medianOfRounds(
      clients,
      values.monitors.split(",").map(Number),
      Number(values.rounds),
      (client, monitors) => measureInChild(self, { client, monitors, path, seconds, pool }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printRows(
    `SQLite probes: \`${query}\` on 10,000 indexed rows, pool of ${pool} connections per row ` +
      `(median of ${values.rounds} interleaved rounds of ${seconds} s)`,
    rows,
    { p50Digits: 3, heap: false },
  );
}
