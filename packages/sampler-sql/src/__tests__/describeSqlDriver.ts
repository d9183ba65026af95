import { closedPort } from "@amstaff/core/testing";
import { describe, expect, it } from "vitest";
import type { SqlSamplerOptions } from "../options.js";
import { sqlPools } from "../poolRegistry.js";
import { sqlSampler } from "../sqlSampler.js";

/** A database the suite probes: a table of three rows, none of them in state `'evil'`. */
export interface SqlDriverTarget {
  /** The sampler URL of the database. */
  url: string;
  /** How many rows of the table match `where` (an SQL condition; every row by default), read outside the sampler. */
  count(where?: string): Promise<number> | number;
  /** Tears the database down, when the target made one for the test. */
  cleanup?(): void | Promise<void>;
}

/** What {@link describeSqlDriver} checks one SQL driver with. */
export interface SqlDriverSuite {
  /** The engine's name in test titles, like `"PostgreSQL"`. */
  name: string;
  /** The table of three rows the target holds (a `state` text column among its columns). */
  table: string;
  /** The database of one test: called at the start of each test that needs it. */
  target(): SqlDriverTarget | Promise<SqlDriverTarget>;
  /** Statements that write, each of which a probe must refuse without changing a row. */
  writes: readonly string[];
  /** What the sampler says of `DELETE FROM <table>`. */
  triedToWrite: { message: string | RegExp; details?: Record<string, unknown> };
  /** What the sampler says of `SELEC 1`. */
  syntaxError: string | RegExp;
  /**
   * Pooled sessions a first query tries to make writable: on a pool of one connection, each `opener` is
   * run, then each `writer` after it, which must still be refused.
   */
  pooledSession?: { url: string; openers: readonly string[]; writers: readonly string[] };
  /** A database the server does not have, and what the sampler says of it. */
  unknownDatabase?: { url: string; message: string };
  /** The URL of `port` with a password, and how messages show it (password masked). */
  refused?: (port: number) => { url: string; shown: string };
  /** A query that runs for seconds, and the code the server cancels it with after a 500 ms timeout. */
  slowQuery?: { query: string; code: string | RegExp };
}

async function probe(options: SqlSamplerOptions) {
  const sampler = sqlSampler(options);
  try {
    return await sampler.probe();
  } finally {
    await sampler.dispose?.();
  }
}

async function withTarget<T>(
  suite: SqlDriverSuite,
  test: (target: SqlDriverTarget) => Promise<T>,
): Promise<T> {
  const target = await suite.target();
  try {
    return await test(target);
  } finally {
    await target.cleanup?.();
  }
}

/**
 * Registers the read-only and failure tests every SQL driver passes: writes are refused and change
 * nothing (also after a query that tried to make its pooled session writable), a write says so, and a
 * syntax error, an unknown database, a refused connection and a timeout each read as they should.
 * Driver-specific cases stay in the driver's own test file.
 */
export function describeSqlDriver(suite: SqlDriverSuite): void {
  const { name, table } = suite;

  describe(`${name} read-only`, () => {
    it.each(suite.writes.map((query) => [query]))("refuses %s and changes nothing", async (query) => {
      await withTarget(suite, async (target) => {
        const result = await probe({ url: target.url, query });
        expect(result.status).toBe("unknown");
        expect(result.message).not.toMatch(/^value/);
        expect(await target.count()).toBe(3);
        expect(await target.count("state = 'evil'")).toBe(0);
      });
    });

    const { pooledSession } = suite;
    if (pooledSession !== undefined) {
      it("cannot be made writable by an earlier query on the same pooled connection", async () => {
        await withTarget(suite, async (target) => {
          const { url } = pooledSession;
          const openers = pooledSession.openers.map((query) => sqlSampler({ url, query, poolSize: 1 }));
          const writers = pooledSession.writers.map((query) => sqlSampler({ url, query, poolSize: 1 }));
          try {
            for (const first of openers) {
              for (const writer of writers) {
                expect((await first.probe()).status).toBe("ok");
                expect((await writer.probe()).status).toBe("unknown");
              }
            }
            expect(sqlPools().filter((pool) => pool.url === url)).toMatchObject([
              { samplers: openers.length + writers.length, poolSize: 1 },
            ]);
          } finally {
            await Promise.all([...openers, ...writers].map((s) => s.dispose?.()));
          }
          expect(await target.count()).toBe(3);
        });
      });
    }

    it("says the query tried to write", async () => {
      await withTarget(suite, async (target) => {
        const result = await probe({ url: target.url, query: `DELETE FROM ${table}` });
        const { message, details } = suite.triedToWrite;
        if (typeof message === "string") expect(result.message).toBe(message);
        else expect(result.message).toMatch(message);
        if (details !== undefined) expect(result.details).toMatchObject(details);
      });
    });
  });

  describe(`${name} failures`, () => {
    it("is unknown for a syntax error, naming it", async () => {
      await withTarget(suite, async (target) => {
        const result = await probe({ url: target.url, query: "SELEC 1" });
        expect(result.status).toBe("unknown");
        const expected = suite.syntaxError;
        if (typeof expected === "string") expect(result.message).toBe(expected);
        else expect(result.message).toMatch(expected);
      });
    });

    const { unknownDatabase, refused, slowQuery } = suite;
    if (unknownDatabase !== undefined) {
      it("is critical for an unknown database", async () => {
        const result = await probe({ url: unknownDatabase.url, query: "SELECT 1" });
        expect(result.status).toBe("critical");
        expect(result.message).toBe(unknownDatabase.message);
      });
    }

    if (refused !== undefined) {
      it("is critical when the connection is refused", async () => {
        const port = await closedPort();
        const { url, shown } = refused(port);
        const result = await probe({ url, query: "SELECT 1" });
        expect(result.status).toBe("critical");
        expect(result.message).toBe(`connection refused to 127.0.0.1:${port} (${shown})`);
      });
    }

    if (slowQuery !== undefined) {
      it("is critical when the query outlives its timeout, and the server cancels it", async () => {
        await withTarget(suite, async (target) => {
          const { query, code } = slowQuery;
          const result = await probe({ url: target.url, query, timeout: "500ms" });
          expect(result.status).toBe("critical");
          expect(result.message).toBe(`query did not finish within 500 ms (${query})`);
          // The server stopped the query (its cancel code), not the client giving up.
          expect(result.details).toMatchObject({ failure: "timeout" });
          if (typeof code === "string") expect(result.details).toMatchObject({ code });
          else expect(String(result.details?.code)).toMatch(code);
        });
      });
    }
  });
}
