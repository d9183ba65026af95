import { AmstaffError, parsePluginOptions, resolveSecrets } from "@amstaff/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { postgresUrl } from "./__tests__/databases.js";
import { mysql, postgres, sql, sqlite } from "./builders.js";
import { sqlPluginId } from "./options.js";
import { amstaffPlugin, sqlPlugin } from "./plugin.js";
import { sqlSampler } from "./sqlSampler.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("builders", () => {
  it("return plain, JSON-cloneable data: the input plus the plugin id", () => {
    const spec = sql({ url: { $secret: "DB_URL" }, query: "SELECT 1", critical: 3 });
    expect(spec).toEqual({
      plugin: "@amstaff/sampler-sql",
      options: { url: { $secret: "DB_URL" }, query: "SELECT 1", critical: 3 },
    });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    expect(postgres("postgres://db/x", { query: "SELECT 1" }).options).toEqual({
      url: "postgres://db/x",
      query: "SELECT 1",
    });
    expect(mysql({ $secret: "SHOP_DB" }, { query: "SELECT 1", password: { $secret: "PW" } }).options).toEqual(
      {
        url: { $secret: "SHOP_DB" },
        query: "SELECT 1",
        password: { $secret: "PW" },
      },
    );
    expect(sqlite("/var/lib/x.db", { query: "SELECT 1" }).options.url).toBe("sqlite:///var/lib/x.db");
    expect(sqlite("data/x.db", { query: "SELECT 1" }).options.url).toBe("sqlite:data/x.db");
    expect(sqlite("file:///x.db", { query: "SELECT 1" }).options.url).toBe("file:///x.db");
  });

  it("neither validate nor resolve: the server does, later", () => {
    expect(sql({ url: "nope", query: "" }).options).toEqual({ url: "nope", query: "" });
  });
});

describe("options", () => {
  it("applies the documented defaults", () => {
    expect(parsePluginOptions(sqlPlugin, { url: postgresUrl, query: "SELECT 1" })).toEqual({
      url: postgresUrl,
      query: "SELECT 1",
      direction: "above",
      timeout: "10s",
      poolSize: 4,
      idleTimeout: "30s",
    });
  });

  it.each([
    [{ url: "http://db/x", query: "SELECT 1" }, "url: a postgres://"],
    [{ url: "postgres:///x", query: "SELECT 1" }, "url:"],
    [{ url: postgresUrl, query: "  " }, "query: must not be empty"],
    [
      { url: postgresUrl, query: "SELECT 1", warning: 10, critical: 5 },
      "warning: warning must be lower than critical",
    ],
    [
      { url: postgresUrl, query: "SELECT 1", warning: 5, critical: 10, direction: "below" },
      "warning must be higher than critical",
    ],
    [{ url: postgresUrl, query: "SELECT 1", rows: {} }, "rows: give at least one of"],
    [{ url: postgresUrl, query: "SELECT 1", rows: { min: 3, max: 1 } }, "min must not be greater than max"],
    [{ url: postgresUrl, query: "SELECT 1", timeout: "10 seconds" }, 'timeout: a duration like "10s"'],
    [{ url: postgresUrl, query: "SELECT 1", poolSize: 0 }, "poolSize:"],
    [{ url: "sqlite:/x.db", query: "SELECT 1", password: "pw" }, "SQLite has no password"],
    [{ url: "sqlite::memory:", query: "SELECT 1" }, "url:"],
    [{ url: postgresUrl, query: "SELECT 1", extra: true }, "Unrecognized key"],
  ])("rejects %j", (options, message) => {
    expect(() => parsePluginOptions(sqlPlugin, options)).toThrow(message);
  });

  it("throws AMS_ERR_SECRET_MISSING naming an unset secret, and AMS_ERR_PLUGIN_OPTIONS for a secret URL that is not one", () => {
    expect(() => sqlSampler({ url: { $secret: "AMSTAFF_TEST_UNSET_URL" }, query: "SELECT 1" })).toThrow(
      expect.objectContaining({ code: "AMS_ERR_SECRET_MISSING" }),
    );
    vi.stubEnv("AMSTAFF_TEST_BAD_URL", "redis://user:pw-secret@host");
    let thrown: unknown;
    try {
      sqlSampler({ url: { $secret: "AMSTAFF_TEST_BAD_URL" }, query: "SELECT 1" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AmstaffError);
    expect((thrown as AmstaffError).code).toBe("AMS_ERR_PLUGIN_OPTIONS");
    expect((thrown as AmstaffError).message).not.toContain("pw-secret");
  });
});

describe("sqlPlugin", () => {
  it("describes the package, offers its builders, and is the discovered amstaffPlugin", () => {
    expect(sqlPlugin).toMatchObject({ kind: "sampler", id: sqlPluginId, package: "@amstaff/sampler-sql" });
    expect(Object.keys(sqlPlugin.builders).sort()).toEqual(["mysql", "postgres", "sql", "sqlite"]);
    expect(amstaffPlugin).toBe(sqlPlugin);
  });

  it("creates a working sampler from a builder's spec, the way the server does", async () => {
    vi.stubEnv("AMSTAFF_PLUGIN_TEST_DB_URL", postgresUrl);
    const spec = postgres({ $secret: "AMSTAFF_PLUGIN_TEST_DB_URL" }, { query: "SELECT 41 + 1", equals: 42 });
    const options = resolveSecrets(parsePluginOptions(sqlPlugin, spec.options));
    const sampler = sqlPlugin.create(options, { name: "Answer", tags: ["team8"] });
    expect(sampler.name).toBe("Answer");
    expect(sampler.tags).toEqual(["team8"]);
    const result = await sampler.probe({ signal: new AbortController().signal });
    await sampler.dispose?.();
    expect(result.status).toBe("ok");
    expect(result.value).toBe(42);
  });

  it("names a sampler after its URL without the password by default", async () => {
    const sampler = sqlSampler({ url: "postgres://u:pw-very-secret@127.0.0.1:5432/test", query: "SELECT 1" });
    expect(sampler.name).toBe("SQL postgres://u:***@127.0.0.1:5432/test");
    await sampler.dispose?.();
  });

  it("is unknown, not hanging, when the probe is aborted", async () => {
    const sampler = sqlSampler({ url: postgresUrl, query: "SELECT pg_sleep(5)" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 200);
    const result = await sampler.probe({ signal: controller.signal });
    await sampler.dispose?.();
    expect(result.status).toBe("unknown");
    expect(result.message).toBe("probe aborted (SELECT pg_sleep(5))");
  });
});
