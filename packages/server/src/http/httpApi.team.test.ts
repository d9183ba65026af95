import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompileResult } from "@amstaff/dsl/compiler";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definition } from "../__tests__/fixtures.js";
import type { Principal } from "../access/access.js";
import { systemClock } from "../clock.js";
import { Observations } from "../runtime/observations.js";
import { Scheduler } from "../runtime/scheduler.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import type { CompileContext } from "./deps.js";
import { createHttpApi } from "./httpApi.js";

// The seam the secret store's grants hang on: every compile of a push or a rollback is told the team
// the module belongs to (or will belong to).

const dir = mkdtempSync(join(tmpdir(), "amstaff-api-team-"));
const db = new Database(join(dir, "state.db"));
const machine = new StateMachine();
const compiled: { module: string; team: string }[] = [];
const tokens: Record<string, Principal> = {
  "pay-write-token": { name: "pay-write", team: "payments", role: "write" },
  "root-token": { name: "root", team: "ops", role: "admin" },
};
let server: Server;
let url: string;

beforeAll(async () => {
  const api = createHttpApi({
    machine,
    log: new SqliteLog(db, machine),
    // The module file is just its name here: what is under test is the context the compile gets.
    compile: async (source: string, context: CompileContext): Promise<CompileResult> => {
      compiled.push({ module: source, team: context.team });
      return { ok: true, definition: definition(source) };
    },
    plugins: () => [],
    observations: new Observations(db),
    scheduler: new Scheduler(),
    clock: systemClock,
    logger: pino({ level: "silent" }),
    tokens: { resolve: (token) => tokens[token] },
    version: "test",
  });
  server = createServer(api);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (path: string, token: string, method = "POST", body = "") => {
  const response = await fetch(`${url}${path}`, {
    method,
    body: method === "GET" ? undefined : body,
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe("the team a push compiles for", () => {
  it("is the token's for a new module, the one an admin names, and the module's own after that", async () => {
    expect((await call("/monitor", "pay-write-token", "POST", "Checkout")).status).toBe(201);
    expect((await call("/monitor?team=search", "root-token", "POST", "Search")).status).toBe(201);
    compiled.length = 0;

    // An admin pushing the search team's module: compiled again for its own team before it is stored.
    expect(await call("/monitor", "root-token", "POST", "Search")).toMatchObject({
      status: 200,
      body: { team: "search" },
    });
    expect(compiled).toEqual([
      { module: "Search", team: "ops" },
      { module: "Search", team: "search" },
    ]);
    compiled.length = 0;
    expect((await call("/modules/Checkout/rollback", "root-token")).status).toBe(404);
    expect((await call("/monitor", "pay-write-token", "POST", "Checkout")).status).toBe(200);
    expect((await call("/modules/Checkout/rollback", "root-token")).status).toBe(200);
    expect(compiled).toEqual([
      { module: "Checkout", team: "payments" },
      { module: "Checkout", team: "payments" },
    ]);
  });

  it("is never reached for a token that may not push", async () => {
    compiled.length = 0;
    const refused = await call("/monitor", "pay-write-token", "POST", "Search");
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
    // Compiled for the pushing team to learn the module's name, then refused before anything is stored.
    expect(compiled).toEqual([{ module: "Search", team: "payments" }]);
    expect(machine.module("Search")?.pushedBy).toBe("root");
  });
});
