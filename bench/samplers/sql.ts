// SQL probes per second of @amstaff/sampler-sql against the local PostgreSQL (127.0.0.1:5432, database
// `test`) at 1, 64 and 512 concurrent monitors, beside the same query through a bare pg.Pool. Not a test.
// Build first (`npx -y pnpm@12.21.0 build`), then
//   npx -y pnpm@12.21.0 --filter @amstaff/bench run samplers:sql [-- --seconds 5 --monitors 1,64,512 --pool 4 --rounds 3]
//
// Each row is measured `--rounds` times, the three clients interleaved, and the round with the median
// probes/s is printed: on a shared machine, one unlucky window should not decide the comparison.
// Every row runs in a fresh client process, so its CPU time (process.cpuUsage) and memory (RSS, heap) are
// its own; PostgreSQL's work is not counted. A "monitor" is one sampler instance (or one loop over the bare
// pool) probing back to back until the row's time is up. All monitors of a row share one pool of `--pool`
// connections (the sampler's default is 4), exactly as monitors with the same URL share one in a server.
// Rows:
//   sampler-sql          the sampler: BEGIN READ ONLY + SET LOCAL statement_timeout, the query, ROLLBACK
//   pg.Pool              pool.query(sql): one round trip, no read-only guarantee, no timeout
//   pg.Pool + read-only  the sampler's three round trips written by hand: the cost of the guarantee alone
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
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
const baseUrl = "postgres://postgres@127.0.0.1:5432/test";

async function measure(
  client: string,
  monitors: number,
  table: string,
  seconds: number,
  poolSize: number,
): Promise<RowResult> {
  const query = `SELECT count(*) FROM ${table} WHERE state = 'stuck'`;
  const url = `${baseUrl}?application_name=amstaff_bench`;
  let close: () => Promise<void>;
  let makeProbe: () => Probe;
  if (client === "sampler-sql") {
    const { sqlSampler } = await import("@amstaff/sampler-sql");
    const samplers: { dispose?: () => void | Promise<void> }[] = [];
    makeProbe = () => {
      const sampler = sqlSampler({ url, query, poolSize, critical: 1_000_000 });
      samplers.push(sampler);
      const controller = new AbortController();
      return async () => (await sampler.probe({ signal: controller.signal })).status === "ok";
    };
    close = async () => {
      await Promise.all(samplers.map((s) => s.dispose?.()));
    };
  } else {
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    pool.on("error", () => {});
    const readOnly = client.includes("read-only");
    makeProbe = () => async () => {
      try {
        if (!readOnly) return (await pool.query(query)).rows.length === 1;
        const connection = await pool.connect();
        try {
          await connection.query("BEGIN READ ONLY; SET LOCAL statement_timeout = 10000");
          const result = await connection.query({ text: query, rowMode: "array" });
          await connection.query("ROLLBACK");
          return result.rows.length === 1;
        } finally {
          connection.release();
        }
      } catch {
        return false;
      }
    };
    close = () => pool.end();
  }
  const probes = Array.from({ length: monitors }, makeProbe);
  return measureProbes(client, probes, seconds, close);
}

const { values } = parseArgs({
  // `pnpm run x -- --seconds 2` passes the `--` along.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    client: { type: "string" },
    table: { type: "string" },
    seconds: { type: "string", default: "5" },
    monitors: { type: "string", default: "1,64,512" },
    pool: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
  },
});

if (values.client !== undefined && values.table !== undefined) {
  const result = await measure(
    values.client,
    Number(values.monitors),
    values.table,
    Number(values.seconds),
    Number(values.pool),
  );
  reportToParent(result);
} else {
  const seconds = Number(values.seconds);
  const pool = Number(values.pool);
  const admin = new pg.Pool({ connectionString: baseUrl, max: 1 });
  try {
    await admin.query("SELECT 1");
  } catch (error) {
    console.error(
      `PostgreSQL is not reachable at ${baseUrl} (${(error as Error).message}). Start it with:\n` +
        "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    );
    process.exit(1);
  }
  const table = `amstaff_bench_${process.pid}`;
  await admin.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, state text NOT NULL)`);
  await admin.query(
    `INSERT INTO ${table} (state) SELECT CASE WHEN i % 100 = 0 THEN 'stuck' ELSE 'done' END FROM generate_series(1, 10000) i`,
  );
  await admin.query(`CREATE INDEX ON ${table} (state)`);
  await admin.query(`ANALYZE ${table}`);
  const { rows: version } = await admin.query("SHOW server_version");
  const clients = ["sampler-sql", "pg.Pool", "pg.Pool + read-only"];
  let rows: RowResult[] = [];
  try {
    rows = await medianOfRounds(
      clients,
      values.monitors.split(",").map(Number),
      Number(values.rounds),
      (client, monitors) => measureInChild(self, { client, monitors, table, seconds, pool }),
    );
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  }

  printRows(
    `SQL probes against local PostgreSQL ${version[0]?.server_version} over TCP loopback: \`SELECT count(*) ... WHERE state = 'stuck'\` on 10,000 indexed rows, ` +
      `pool of ${pool} connections per row (median of ${values.rounds} interleaved rounds of ${seconds} s)`,
    rows,
    { p50Digits: 2, heap: true },
  );
}
