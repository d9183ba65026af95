import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresAdmin, postgresUrl, uniqueName } from "./__tests__/databases.js";
import { describeSqlDriver } from "./__tests__/describeSqlDriver.js";
import type { SqlSamplerOptions } from "./options.js";
import { sqlPools } from "./poolRegistry.js";
import { sqlSampler } from "./sqlSampler.js";

let admin: pg.Pool;
const table = uniqueName("amstaff_jobs");

async function probe(options: Omit<SqlSamplerOptions, "url"> & { url?: SqlSamplerOptions["url"] }) {
  const sampler = sqlSampler({ url: postgresUrl, ...options });
  try {
    return await sampler.probe();
  } finally {
    await sampler.dispose?.();
  }
}

beforeAll(async () => {
  admin = await postgresAdmin();
  await admin.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, state text NOT NULL, doc jsonb)`);
  await admin.query(
    `INSERT INTO ${table} (state, doc) VALUES ('ok', '{"a": 1}'), ('stuck', '{"a": 2}'), ('stuck', NULL)`,
  );
});

afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${table}`);
  await admin?.end();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("PostgreSQL values and thresholds", () => {
  const stuck = `SELECT count(*) FROM ${table} WHERE state = 'stuck'`;

  it("is ok under the thresholds, reporting the value (a bigint, returned as text by pg, made a number)", async () => {
    const result = await probe({ query: stuck, warning: 5, critical: 10 });
    expect(result.status).toBe("ok");
    expect(result.value).toBe(2);
    expect(result.message).toBe(`value "2" (${stuck})`);
    expect(result.details).toMatchObject({ engine: "postgres", rowCount: 1, columns: ["count"], value: "2" });
    expect(result.details?.url).toBe(postgresUrl);
  });

  it("is warning then critical as the value rises (direction above)", async () => {
    const warning = await probe({ query: stuck, warning: 2, critical: 3 });
    expect(warning.status).toBe("warning");
    expect(warning.message).toBe(`value 2 reached the warning threshold 2 (${stuck})`);
    const critical = await probe({ query: `SELECT 1532`, warning: 500, critical: 1000 });
    expect(critical.status).toBe("critical");
    expect(critical.message).toBe("value 1532 is above the critical threshold 1000 (SELECT 1532)");
    expect(critical.value).toBe(1532);
  });

  it("judges values below the thresholds with direction below", async () => {
    const base = { warning: 10, critical: 5, direction: "below" } as const;
    expect((await probe({ query: "SELECT 12.5::numeric", ...base })).status).toBe("ok");
    const warning = await probe({ query: "SELECT 7", ...base });
    expect(warning.status).toBe("warning");
    expect(warning.message).toBe("value 7 is below the warning threshold 10 (SELECT 7)");
    const critical = await probe({ query: "SELECT 1", ...base });
    expect(critical.status).toBe("critical");
    expect(critical.message).toBe("value 1 is below the critical threshold 5 (SELECT 1)");
  });

  it("is unknown when the value is not a number or there is no row", async () => {
    const text = await probe({ query: "SELECT 'abc'", critical: 1 });
    expect(text.status).toBe("unknown");
    expect(text.message).toBe(
      `value "abc" is not a number, so it cannot be compared with thresholds (SELECT 'abc')`,
    );
    const none = await probe({ query: `SELECT id FROM ${table} WHERE false`, critical: 1 });
    expect(none.status).toBe("unknown");
    expect(none.message).toContain("the query returned no rows");
  });

  it("truncates long queries in messages", async () => {
    const query = `SELECT 5000 /* ${"x".repeat(200)} */`;
    const result = await probe({ query, critical: 10 });
    expect(result.status).toBe("critical");
    expect(result.message.length).toBeLessThan(160);
    expect(result.message).toMatch(
      /^value 5000 is above the critical threshold 10 \(SELECT 5000 \/\* x+…\)$/,
    );
  });
});

describe("PostgreSQL rows and equality", () => {
  it("counts rows against thresholds and min/max", async () => {
    const query = `SELECT id FROM ${table} WHERE state = 'stuck'`;
    const ok = await probe({ query, rows: { warning: 5 } });
    expect(ok.status).toBe("ok");
    expect(ok.message).toBe(`2 rows (${query})`);
    expect(ok.value).toBe(2);
    const warning = await probe({ query, rows: { warning: 2, critical: 4 } });
    expect(warning.status).toBe("warning");
    expect(warning.message).toBe(`2 rows reached the warning threshold 2 (${query})`);
    const tooFew = await probe({ query, rows: { min: 3 } });
    expect(tooFew.status).toBe("critical");
    expect(tooFew.message).toBe(`2 rows, fewer than the minimum 3 (${query})`);
    const tooMany = await probe({ query, rows: { max: 1 } });
    expect(tooMany.message).toBe(`2 rows, more than the maximum 1 (${query})`);
    const empty = await probe({ query: `SELECT id FROM ${table} WHERE false`, rows: { min: 1 } });
    expect(empty.status).toBe("critical");
    expect(empty.message).toMatch(/^0 rows, fewer than the minimum 1/);
  });

  it("compares the value with equals: numbers, booleans, text, JSON", async () => {
    expect((await probe({ query: `SELECT count(*) FROM ${table}`, equals: 3 })).status).toBe("ok");
    expect((await probe({ query: "SELECT pg_is_in_recovery()", equals: false })).status).toBe("ok");
    expect((await probe({ query: `SELECT doc FROM ${table} ORDER BY id`, equals: { a: 1 } })).status).toBe(
      "ok",
    );
    const wrong = await probe({ query: `SELECT state FROM ${table} ORDER BY id DESC`, equals: "ok" });
    expect(wrong.status).toBe("critical");
    expect(wrong.message).toBe(
      `value "stuck" is not the expected "ok" (SELECT state FROM ${table} ORDER BY id DESC)`,
    );
  });

  it("is ok with no checks when the query runs (a connectivity check)", async () => {
    const result = await probe({ query: "SELECT 1" });
    expect(result.status).toBe("ok");
    expect(result.message).toBe("value 1 (SELECT 1)");
  });
});

describeSqlDriver({
  name: "PostgreSQL",
  table,
  target: () => ({
    url: postgresUrl,
    count: async (where = "true") =>
      (await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0].n as number,
  }),
  writes: [
    `DELETE FROM ${table}`,
    `INSERT INTO ${table} (state) VALUES ('evil')`,
    `UPDATE ${table} SET state = 'evil'`,
    `DROP TABLE ${table}`,
    `CREATE TABLE ${table}_evil (id int)`,
    `SELECT 1; COMMIT; DELETE FROM ${table}`,
    `WITH s AS (SELECT set_config('transaction_read_only', 'off', true)), d AS (DELETE FROM ${table} RETURNING 1) SELECT * FROM s, d`,
    `SELECT set_config('transaction_read_only', 'off', false)`,
  ],
  pooledSession: {
    url: `${postgresUrl}?application_name=amstaff_ro`,
    openers: [
      "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
      "SELECT set_config('default_transaction_read_only', 'off', false)",
    ],
    writers: [`DELETE FROM ${table}`],
  },
  triedToWrite: {
    message: `the query tried to write (cannot execute DELETE in a read-only transaction): monitor queries run read-only (DELETE FROM ${table})`,
    details: { failure: "readOnly", code: "25006" },
  },
  syntaxError: 'syntax error at or near "SELEC" (SQLSTATE 42601) (SELEC 1)',
  unknownDatabase: {
    url: "postgres://postgres@127.0.0.1:5432/amstaff_no_such_db",
    message:
      'database "amstaff_no_such_db" does not exist on 127.0.0.1:5432 (postgres://postgres@127.0.0.1:5432/amstaff_no_such_db)',
  },
  refused: (port) => ({
    url: `postgres://postgres:pw-123456@127.0.0.1:${port}/test`,
    shown: `postgres://postgres:***@127.0.0.1:${port}/test`,
  }),
  slowQuery: { query: "SELECT pg_sleep(5)", code: "57014" },
});

describe("PostgreSQL failures", () => {
  it("is unknown for an unknown table", async () => {
    const result = await probe({ query: "SELECT count(*) FROM amstaff_no_such_table" });
    expect(result.status).toBe("unknown");
    expect(result.message).toContain('relation "amstaff_no_such_table" does not exist');
  });

  it("is critical when the server refuses the credentials, and never shows the password", async () => {
    // The local cluster trusts 127.0.0.1, so a refused login is a role the server does not know (SQLSTATE 28000).
    const password = "hunter2-Sup3rSecret";
    const role = uniqueName("amstaff_nobody");
    const result = await probe({
      url: `postgres://${role}:${password}@127.0.0.1:5432/test`,
      query: "SELECT 1",
    });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `authentication failed for user "${role}" on 127.0.0.1:5432 (postgres://${role}:***@127.0.0.1:5432/test)`,
    );
    expect(JSON.stringify(result)).not.toContain(password);
  });

  it("resolves the URL and the password from secrets, and never shows them", async () => {
    const password = "very-secret-pw-42";
    vi.stubEnv("AMSTAFF_TEST_PG_URL", `postgres://amstaff_ghost@127.0.0.1:5432/test`);
    vi.stubEnv("AMSTAFF_TEST_PG_PASSWORD", password);
    const result = await probe({
      url: { $secret: "AMSTAFF_TEST_PG_URL" },
      password: { $secret: "AMSTAFF_TEST_PG_PASSWORD" },
      query: "SELECT 1",
    });
    expect(result.status).toBe("critical");
    expect(result.message).toContain("(postgres://amstaff_ghost@127.0.0.1:5432/test)");
    expect(JSON.stringify(result)).not.toContain(password);

    vi.stubEnv("AMSTAFF_TEST_PG_URL", postgresUrl);
    expect((await probe({ url: { $secret: "AMSTAFF_TEST_PG_URL" }, query: "SELECT 1" })).status).toBe("ok");
  });
});

describe("PostgreSQL pools", () => {
  it("shares one pool between samplers of the same URL and closes it when the last is disposed", async () => {
    const app = uniqueName("amstaff_pool");
    const url = `${postgresUrl}?application_name=${app}`;
    const connections = async () =>
      (
        await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [
          app,
        ])
      ).rows[0].n as number;
    const first = sqlSampler({ url, query: "SELECT 1", poolSize: 2 });
    const second = sqlSampler({ url, query: "SELECT 2", poolSize: 2 });
    const mine = () => sqlPools().filter((pool) => pool.url === url);
    expect(mine()).toEqual([{ engine: "postgres", url, poolSize: 2, samplers: 2, open: false }]);

    const probes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? first : second).probe()));
    expect(probes.map((r) => r.status)).toEqual(Array(8).fill("ok"));
    expect(mine()).toMatchObject([{ samplers: 2, open: true }]);
    const open = await connections();
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(2);

    await first.dispose?.();
    expect(mine()).toMatchObject([{ samplers: 1, open: true }]);
    expect((await second.probe()).status).toBe("ok");
    await second.dispose?.();
    expect(mine()).toEqual([]);
    await vi.waitFor(async () => expect(await connections()).toBe(0), { timeout: 5000 });

    const afterDispose = await first.probe();
    expect(afterDispose.status).toBe("unknown");
  });
});
