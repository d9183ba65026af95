import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConnectionUrl, scrubSecrets, secretsOf } from "./connectionUrl.js";

describe("parseConnectionUrl", () => {
  it("picks the engine from the scheme and hides the password", () => {
    expect(parseConnectionUrl("postgresql://app:s3cret@db.internal/orders?sslmode=require")).toMatchObject({
      engine: "postgres",
      display: "postgresql://app:***@db.internal/orders?sslmode=require",
      address: "db.internal:5432",
      database: "orders",
      user: "app",
    });
    expect(parseConnectionUrl("mariadb://root@127.0.0.1/test")).toMatchObject({
      engine: "mysql",
      address: "127.0.0.1:3306",
    });
    expect(parseConnectionUrl("postgres://db/x?password=abc&sslpassword=def")).toMatchObject({
      display: "postgres://db/x?password=***&sslpassword=***",
    });
  });

  it("reads SQLite paths, absolute and relative", () => {
    expect(parseConnectionUrl("sqlite:///var/lib/a.db")).toEqual({
      engine: "sqlite",
      path: "/var/lib/a.db",
      display: "sqlite:/var/lib/a.db",
    });
    expect(parseConnectionUrl("sqlite:data/a.db")).toMatchObject({ path: resolve("data/a.db") });
    expect(parseConnectionUrl("file:///var/lib/my%20db.db")).toMatchObject({ path: "/var/lib/my db.db" });
    expect(parseConnectionUrl("file:a.db")).toMatchObject({ path: resolve("a.db") });
  });

  it("explains what it does not accept", () => {
    expect(parseConnectionUrl("redis://x")).toBe(
      "a postgres://, postgresql://, mysql://, mariadb://, sqlite: or file: URL",
    );
    expect(parseConnectionUrl("sqlite://host/a.db")).toMatch(/^a SQLite file/);
    expect(parseConnectionUrl("postgres:///db")).toMatch(/^no host/);
  });
});

describe("scrubSecrets", () => {
  it("replaces every spelling of the secrets", () => {
    const url = "postgres://u:p%40ss@h/db";
    const target = parseConnectionUrl(url);
    if (typeof target === "string") throw new Error(target);
    const secrets = secretsOf(url, target, "other-pw");
    expect(scrubSecrets(`failed ${url}: p@ss, p%40ss, other-pw`, secrets)).toBe("failed ***: ***, ***, ***");
  });
});
