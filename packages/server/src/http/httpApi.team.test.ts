import type { CompileResult } from "@amstaff/dsl/compiler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../__tests__/apiServer.js";
import { definition } from "../__tests__/fixtures.js";
import type { Principal } from "../access/access.js";
import type { StateMachine } from "../state/stateMachine.js";
import type { CompileContext } from "./deps.js";

// The seam the secret store's grants hang on: every compile of a push or a rollback is told the team
// the module belongs to (or will belong to).

const compiled: { module: string; team: string }[] = [];
const tokens: Record<string, Principal> = {
  "pay-write-token": { name: "pay-write", team: "payments", role: "write" },
  "root-token": { name: "root", team: "ops", role: "admin" },
};
let api: ApiServer;
let machine: StateMachine;

beforeAll(async () => {
  api = await startApiServer({
    tokens,
    // The module file is just its name here: what is under test is the context the compile gets.
    compile: async (source: string, context: CompileContext): Promise<CompileResult> => {
      compiled.push({ module: source, team: context.team });
      return { ok: true, definition: definition(source) };
    },
  });
  machine = api.machine;
});

afterAll(() => api.close());

const call = (path: string, token: string, method = "POST", body = "") =>
  api.call(path, token, { method, ...(method !== "GET" && { body }) });

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
