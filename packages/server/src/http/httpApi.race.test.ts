import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../__tests__/apiServer.js";
import type { Principal } from "../access/access.js";
import type { Command } from "../state/commands.js";
import type { StateMachine } from "../state/stateMachine.js";

// A node checks a token's rights against its own copy of the state; an admin's move of the module to
// another team can reach the log between that check and the write. Here the move is put in that gap.

const tokens: Record<string, Principal> = {
  "pay-write-token": { name: "pay-write", team: "payments", role: "write" },
};
const admin = { name: "root", team: "ops", role: "admin" };
let overtakenBy: Command | undefined;
let api: ApiServer;
let machine: StateMachine;

beforeAll(async () => {
  api = await startApiServer({ tokens });
  machine = api.machine;
  const { log } = api;
  const propose = log.propose.bind(log);
  log.propose = async (command: Command) => {
    const first = overtakenBy;
    overtakenBy = undefined;
    if (first) await propose(first);
    return propose(command);
  };
});

afterAll(() => api.close());

const call = (path: string, method: string, body = "") =>
  api.call(path, "pay-write-token", { method, ...(method !== "GET" && { body }) });

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
