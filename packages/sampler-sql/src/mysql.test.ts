import type mysql from "mysql2/promise";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mariadbAdmin, mariadbUrl, uniqueName } from "./__tests__/databases.js";
import { describeSqlDriver } from "./__tests__/describeSqlDriver.js";
import type { SqlSamplerOptions } from "./options.js";
import { sqlPools } from "./poolRegistry.js";
import { sqlSampler } from "./sqlSampler.js";

let admin: mysql.Pool;
const table = uniqueName("amstaff_jobs");
const user = uniqueName("amstaff_u");
const password = "Pa55word-for-amstaff";

async function probe(options: Omit<SqlSamplerOptions, "url"> & { url?: SqlSamplerOptions["url"] }) {
  const sampler = sqlSampler({ url: mariadbUrl, ...options });
  try {
    return await sampler.probe();
  } finally {
    await sampler.dispose?.();
  }
}

async function count(where = "TRUE"): Promise<number> {
  const [rows] = await admin.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`);
  return Number((rows as { n: number }[])[0]?.n);
}

beforeAll(async () => {
  admin = await mariadbAdmin();
  await admin.query(
    `CREATE TABLE ${table} (id INT AUTO_INCREMENT PRIMARY KEY, state VARCHAR(20) NOT NULL, amount DECIMAL(10,2))`,
  );
  await admin.query(
    `INSERT INTO ${table} (state, amount) VALUES ('ok', 10.50), ('stuck', 20), ('stuck', 30)`,
  );
  await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT SELECT ON test.* TO '${user}'@'127.0.0.1'`);
});

afterAll(async () => {
  await admin?.query(`DROP TABLE IF EXISTS ${table}`);
  await admin?.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
  await admin?.end();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("MariaDB values, rows and equality", () => {
  it("judges a count against thresholds in both directions", async () => {
    const stuck = `SELECT count(*) FROM ${table} WHERE state = 'stuck'`;
    const ok = await probe({ query: stuck, warning: 5, critical: 10 });
    expect(ok.status).toBe("ok");
    expect(ok.value).toBe(2);
    expect(ok.message).toBe(`value 2 (${stuck})`);
    expect((await probe({ query: stuck, warning: 2, critical: 3 })).status).toBe("warning");
    const critical = await probe({ query: "SELECT 1532", warning: 500, critical: 1000 });
    expect(critical.message).toBe("value 1532 is above the critical threshold 1000 (SELECT 1532)");
    const below = await probe({
      query: `SELECT sum(amount) FROM ${table}`,
      warning: 100,
      critical: 70,
      direction: "below",
    });
    expect(below.status).toBe("critical");
    expect(below.message).toBe(
      `value 60.5 is below the critical threshold 70 (SELECT sum(amount) FROM ${table})`,
    );
    expect((await probe({ query: "SELECT 75", warning: 100, critical: 50, direction: "below" })).status).toBe(
      "warning",
    );
  });

  it("counts rows and compares values", async () => {
    const query = `SELECT id FROM ${table} WHERE state = 'stuck'`;
    expect((await probe({ query, rows: { max: 2 } })).status).toBe("ok");
    const tooMany = await probe({ query, rows: { warning: 1, critical: 5 } });
    expect(tooMany.status).toBe("warning");
    expect(tooMany.message).toBe(`2 rows is above the warning threshold 1 (${query})`);
    expect((await probe({ query, rows: { min: 3 } })).status).toBe("critical");
    expect((await probe({ query: "SELECT @@autocommit", equals: true })).status).toBe("ok");
    expect((await probe({ query: `SELECT state FROM ${table} ORDER BY id`, equals: "ok" })).status).toBe(
      "ok",
    );
    expect((await probe({ query: "SELECT JSON_OBJECT('a', 1)", equals: { a: 1 } })).status).toBe("ok");
    expect((await probe({ query: `SELECT amount FROM ${table} ORDER BY id`, equals: 10.5 })).status).toBe(
      "ok",
    );
  });
});

describeSqlDriver({
  name: "MariaDB",
  table,
  target: () => ({ url: mariadbUrl, count }),
  writes: [
    `DELETE FROM ${table}`,
    `INSERT INTO ${table} (state) VALUES ('evil')`,
    `UPDATE ${table} SET state = 'evil'`,
    `DROP TABLE ${table}`,
    `TRUNCATE TABLE ${table}`,
    `CREATE TABLE ${table}_evil (id INT)`,
    `SELECT 1; DELETE FROM ${table}`,
  ],
  pooledSession: {
    url: `${mariadbUrl}?connectTimeout=4000`,
    openers: ["SET SESSION TRANSACTION READ WRITE", "SET SESSION tx_read_only = 0", "SET autocommit = 0"],
    writers: [`DROP TABLE ${table}`, `DELETE FROM ${table}`],
  },
  triedToWrite: {
    message: /^the query tried to write \(.*read only.*\): monitor queries run read-only \(DELETE/i,
    details: { failure: "readOnly" },
  },
  syntaxError: /^You have an error in your SQL syntax.* \(ER_PARSE_ERROR\) \(SELEC 1\)$/,
  unknownDatabase: {
    url: "mysql://root@127.0.0.1:3306/amstaff_no_such_db",
    message:
      'database "amstaff_no_such_db" does not exist on 127.0.0.1:3306 (mysql://root@127.0.0.1:3306/amstaff_no_such_db)',
  },
  refused: (port) => ({
    url: `mysql://root:pw-123456@127.0.0.1:${port}/test`,
    shown: `mysql://root:***@127.0.0.1:${port}/test`,
  }),
  // MariaDB's own max_statement_time stops it (error 1969), not the client giving up.
  slowQuery: { query: "SELECT SLEEP(5)", code: /1969|STATEMENT_TIMEOUT/ },
});

describe("MariaDB failures", () => {
  it("is critical for a wrong password, never showing it", async () => {
    const wrong = "Wr0ng-Pa55word-xyz";
    const result = await probe({ url: `mysql://${user}:${wrong}@127.0.0.1:3306/test`, query: "SELECT 1" });
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `authentication failed for user "${user}" on 127.0.0.1:3306 (mysql://${user}:***@127.0.0.1:3306/test)`,
    );
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it("connects with the right password given separately as a secret", async () => {
    vi.stubEnv("AMSTAFF_TEST_MYSQL_PASSWORD", password);
    const result = await probe({
      url: `mariadb://${user}@127.0.0.1:3306/test`,
      password: { $secret: "AMSTAFF_TEST_MYSQL_PASSWORD" },
      query: `SELECT count(*) FROM ${table}`,
      equals: 3,
    });
    expect(result.status).toBe("ok");
    expect(JSON.stringify(result)).not.toContain(password);
  });

  it("shares one pool per URL and closes it with the last sampler", async () => {
    const url = `${mariadbUrl}?connectTimeout=5000`;
    const first = sqlSampler({ url, query: "SELECT 1" });
    const second = sqlSampler({ url, query: "SELECT 2" });
    await Promise.all([first.probe(), second.probe(), first.probe()]);
    expect(sqlPools().filter((pool) => pool.url === url)).toMatchObject([
      { engine: "mysql", samplers: 2, open: true },
    ]);
    await first.dispose?.();
    await second.dispose?.();
    expect(sqlPools().filter((pool) => pool.url === url)).toEqual([]);
  });
});
