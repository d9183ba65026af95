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
import type { Command } from "../state/commands.js";
import { SqliteLog } from "../state/sqliteLog.js";
import { StateMachine } from "../state/stateMachine.js";
import { createHttpApi } from "./httpApi.js";

// A node checks a token's rights against its own copy of the state; an admin's move of the module to
// another team can reach the log between that check and the write. Here the move is put in that gap.

const dir = mkdtempSync(join(tmpdir(), "amstaff-api-race-"));
const db = new Database(join(dir, "state.db"));
const machine = new StateMachine();
const log = new SqliteLog(db, machine);
const tokens: Record<string, Principal> = {
  "pay-write-token": { name: "pay-write", team: "payments", role: "write" },
};
const admin = { name: "root", team: "ops", role: "admin" };
let overtakenBy: Command | undefined;
let server: Server;
let url: string;

beforeAll(async () => {
  const propose = log.propose.bind(log);
  log.propose = async (command: Command) => {
    const first = overtakenBy;
    overtakenBy = undefined;
    if (first) await propose(first);
    return propose(command);
  };
  const api = createHttpApi({
    machine,
    log,
    compile: async (source: string): Promise<CompileResult> => ({ ok: true, definition: definition(source) }),
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

const call = async (path: string, method: string, body = "") => {
  const response = await fetch(`${url}${path}`, {
    method,
    body: method === "GET" ? undefined : body,
    headers: { authorization: "Bearer pay-write-token" },
  });
  return { status: response.status, body: (await response.json()) as any };
};

const moveToSearch = (name: string): Command => ({
  type: "module.team",
  name,
  team: "search",
  actor: admin,
  at: Date.now(),
});

describe("a write racing an admin's move of the module to another team", () => {
  it("a delete that the move overtook is refused with 403 AMS_ERR_AUTH_TEAM, and the module stays", async () => {
    expect((await call("/monitor", "POST", "checkout")).status).toBe(201);
    overtakenBy = moveToSearch("checkout");
    const deleted = await call("/modules/checkout", "DELETE");
    expect(deleted).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
    expect(deleted.body.error.message).toMatch(/belongs to team "search"/);
    expect(machine.module("checkout")?.team).toBe("search");
  });

  it("so is a silence, and none is set", async () => {
    expect((await call("/monitor", "POST", "billing")).status).toBe(201);
    overtakenBy = moveToSearch("billing");
    const silenced = await call("/silences", "POST", JSON.stringify({ module: "billing", for: "1h" }));
    expect(silenced).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_TEAM" } } });
    expect(machine.silences()).toEqual([]);
  });
});
