import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { sqliteFixture } from "./__tests__/databases.js";
import { describeSqlDriver } from "./__tests__/describeSqlDriver.js";
import type { SqlSamplerOptions } from "./options.js";
import { sqlPools } from "./poolRegistry.js";
import { sqlSampler } from "./sqlSampler.js";

async function probe(options: SqlSamplerOptions) {
  const sampler = sqlSampler(options);
  try {
    return await sampler.probe();
  } finally {
    await sampler.dispose?.();
  }
}

describeSqlDriver({
  name: "SQLite",
  table: "t",
  target: () => {
    const db = sqliteFixture();
    return { url: `sqlite://${db.path}`, count: db.rows, cleanup: db[Symbol.dispose] };
  },
  writes: [
    "DELETE FROM t",
    "INSERT INTO t (state) VALUES ('evil')",
    "UPDATE t SET state = 'evil'",
    "DROP TABLE t",
    "CREATE TABLE evil (id INTEGER)",
    "PRAGMA journal_mode = WAL",
    "SELECT 1; DELETE FROM t",
  ],
  triedToWrite: {
    message:
      "the query tried to write (only statements that return rows run here, read-only; ATTACH, VACUUM, PRAGMA assignments and writes are refused): monitor queries run read-only (DELETE FROM t)",
  },
  syntaxError: 'near "SELEC": syntax error (SQLITE_ERROR) (SELEC 1)',
});

describe("SQLite", () => {
  it("accepts sqlite:///absolute, sqlite:relative and file:// URLs", async () => {
    using db = sqliteFixture();
    const query = "SELECT count(*) FROM t";
    for (const url of [
      `sqlite://${db.path}`,
      `sqlite:${relative(process.cwd(), db.path)}`,
      `file://${db.path}`,
    ]) {
      const result = await probe({ url, query, equals: 3 });
      expect(result.status, url).toBe("ok");
      expect(result.details).toMatchObject({ engine: "sqlite", url: `sqlite:${db.path}` });
    }
  });

  it("judges values against thresholds in both directions", async () => {
    using db = sqliteFixture();
    const url = `sqlite://${db.path}`;
    const sum = "SELECT sum(amount) FROM t";
    expect((await probe({ url, query: sum, warning: 100, critical: 200 })).status).toBe("ok");
    const critical = await probe({ url, query: sum, warning: 30, critical: 60 });
    expect(critical.status).toBe("critical");
    expect(critical.message).toBe(`value 60.5 is above the critical threshold 60 (${sum})`);
    const warning = await probe({ url, query: sum, warning: 70, critical: 10, direction: "below" });
    expect(warning.status).toBe("warning");
    expect(warning.message).toBe(`value 60.5 is below the warning threshold 70 (${sum})`);
  });

  it("counts rows and compares values, JSON text included", async () => {
    using db = sqliteFixture();
    const url = `sqlite://${db.path}`;
    const stuck = "SELECT id FROM t WHERE state = 'stuck'";
    expect((await probe({ url, query: stuck, rows: { min: 1, max: 2 } })).status).toBe("ok");
    expect((await probe({ url, query: stuck, rows: { critical: 2 } })).status).toBe("critical");
    expect((await probe({ url, query: "SELECT doc FROM t ORDER BY id", equals: { a: 1 } })).status).toBe(
      "ok",
    );
    const wrong = await probe({ url, query: "SELECT state FROM t ORDER BY id DESC", equals: "ok" });
    expect(wrong.message).toBe(
      'value "stuck" is not the expected "ok" (SELECT state FROM t ORDER BY id DESC)',
    );
  });

  it("never attaches another file to a pooled connection, nor writes one with VACUUM INTO", async () => {
    using db = sqliteFixture();
    using other = sqliteFixture();
    const url = `sqlite://${db.path}`;
    const copy = join(dirname(db.path), "copy.db");
    // One connection: what the first query leaves on it, the second one finds.
    const attach = sqlSampler({ url, query: `ATTACH DATABASE '${other.path}' AS other`, poolSize: 1 });
    const read = sqlSampler({ url, query: "SELECT count(*) FROM other.t", poolSize: 1 });
    const vacuum = sqlSampler({ url, query: `VACUUM INTO '${copy}'`, poolSize: 1 });
    try {
      const attached = await attach.probe();
      expect(attached.status).toBe("unknown");
      expect(attached.message).toContain("ATTACH, VACUUM, PRAGMA assignments and writes are refused");
      const stolen = await read.probe();
      expect(stolen.status).toBe("unknown");
      expect(stolen.message).toContain("no such table: other.t");
      expect((await vacuum.probe()).status).toBe("unknown");
      expect(existsSync(copy)).toBe(false);
    } finally {
      await Promise.all([attach, read, vacuum].map((s) => s.dispose?.()));
    }
  });

  it("is critical for a missing file, and never creates it", async () => {
    using db = sqliteFixture();
    const missing = join(db.dir, "missing.db");
    const result = await probe({ url: `sqlite://${missing}`, query: "SELECT 1" });
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      new RegExp(`^cannot open the SQLite file ${missing} \\(.+\\) \\(sqlite:${missing}\\)$`),
    );
    const { existsSync } = await import("node:fs");
    expect(existsSync(missing)).toBe(false);
  });

  it("is critical when a query outlives its timeout, without blocking the event loop", async () => {
    using db = sqliteFixture();
    const slow =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) SELECT count(*) FROM n";
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 10);
    try {
      const result = await probe({ url: `sqlite://${db.path}`, query: slow, timeout: "300ms" });
      expect(result.status).toBe("critical");
      expect(result.message).toMatch(/^query did not finish within 300 ms \(WITH RECURSIVE/);
    } finally {
      clearInterval(ticker);
    }
    // A blocked event loop would have run the interval at most once, after the query.
    expect(ticks).toBeGreaterThan(1);
    // The pool replaced the killed connection process: the next probe works.
    const sampler = sqlSampler({ url: `sqlite://${db.path}`, query: "SELECT 1", poolSize: 1 });
    expect((await sampler.probe()).status).toBe("ok");
    await sampler.dispose?.();
  });

  it("shares one pool of connection processes per file", async () => {
    using db = sqliteFixture();
    const url = `sqlite://${db.path}`;
    const samplers = Array.from({ length: 5 }, () =>
      sqlSampler({ url, query: "SELECT count(*) FROM t", poolSize: 2 }),
    );
    const results = await Promise.all(samplers.flatMap((s) => [s.probe(), s.probe()]));
    expect(results.every((r) => r.status === "ok" && r.value === 3)).toBe(true);
    expect(sqlPools().filter((p) => p.url === `sqlite:${db.path}`)).toMatchObject([
      { samplers: 5, poolSize: 2 },
    ]);
    await Promise.all(samplers.map((s) => s.dispose?.()));
    expect(sqlPools().filter((p) => p.url === `sqlite:${db.path}`)).toEqual([]);
  });
});
