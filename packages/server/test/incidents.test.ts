import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenEntry } from "../src/access/tokensFile.js";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// `GET /incidents` through a real server process, and the rights of the actions the dashboard offers on
// incidents (acknowledge, silence, schedule a maintenance, expire a silence): admin, operate and read
// tokens, on their own team's module and on another team's. A refusal changes nothing.

const work = mkdtempSync(join(tmpdir(), "amstaff-incidents-"));
const tokensFile = join(work, "tokens.json");
const target = await startTarget();
const receiver = await startReceiver();
target.statusOf.set("/checkout", 500);
target.statusOf.set("/search", 500);

const tokens = {
  admin: createTokenEntry(tokensFile, { name: "root", team: "ops", role: "admin" }).token,
  operate: createTokenEntry(tokensFile, { name: "pay-operate", team: "payments", role: "operate" }).token,
  read: createTokenEntry(tokensFile, { name: "pay-read", team: "payments", role: "read" }).token,
};
type Who = keyof typeof tokens;

const server = new ServerProcess(undefined, { args: ["--tokens-file", tokensFile] });
const moduleOf = (name: string, path: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";
import { webhook } from "@amstaff/handler-webhook";

export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor("API", { sampler: httpGet({ url: "${target.url}${path}" }), timing: every("1s"), handlers: [webhook({ url: "${receiver.url}/hook" })] });
});
`;

const as = (who: Who, path: string, init: { method?: string; body?: unknown } = {}) =>
  server.api(path, {
    method: init.method,
    body: init.body === undefined || typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    token: tokens[who],
  });
const incidents = async (query = "", who: Who = "read") => {
  const answer = await as(who, `/incidents${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { incidents: any[]; next: string | null };
};
const openOf = async (module: string) =>
  (await incidents(`?module=${module}&state=open,acknowledged`)).incidents[0];

beforeAll(async () => {
  await server.start();
  for (const [name, team, path] of [
    ["Checkout", "payments", "/checkout"],
    ["Search", "search", "/search"],
  ] as const) {
    const pushed = await as("admin", `/monitor?team=${team}`, { method: "POST", body: moduleOf(name, path) });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
  }
  await eventually(async () => ((await incidents("?state=open")).incidents.length === 2 ? true : undefined));
}, 90_000);

afterAll(async () => {
  await server[Symbol.asyncDispose]();
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

describe("GET /incidents", () => {
  it("shows every team's open incidents to any token, newest first, filtered and paged", async () => {
    const all = await incidents();
    expect(all.incidents.map((i) => [i.module, i.team, i.state])).toEqual(
      expect.arrayContaining([
        ["Checkout", "payments", "open"],
        ["Search", "search", "open"],
      ]),
    );
    expect(all.incidents[0].openedAt).toBeGreaterThanOrEqual(all.incidents[1].openedAt);
    const checkout = all.incidents.find((i) => i.module === "Checkout");
    expect(checkout).toMatchObject({ monitor: "API", status: "critical", resolvedAt: null, complete: true });
    expect(checkout.events[0]).toMatchObject({ type: "opened", status: "critical" });
    expect(checkout.events[0].message).toContain("500");

    expect((await incidents("?team=search")).incidents.map((i) => i.module)).toEqual(["Search"]);
    expect((await incidents("?state=resolved")).incidents).toEqual([]);
    const first = await incidents("?limit=1");
    const second = await incidents(`?limit=1&after=${encodeURIComponent(first.next!)}`);
    expect([...first.incidents, ...second.incidents].map((i) => i.key).sort()).toEqual(
      all.incidents.map((i) => i.key).sort(),
    );

    for (const bad of ["?state=closed", "?limit=0", "?after=nonsense", "?color=red"]) {
      const refused = await as("read", `/incidents${bad}`);
      expect(refused.status, bad).toBe(400);
      expect(refused.body.error.code, bad).toBe("AMS_ERR_REQUEST_INVALID");
    }
    expect((await server.api("/incidents", { token: null })).status).toBe(401);
  });
});

describe("acting on incidents, by role and team", () => {
  it("acknowledges only with an operate token of the module's team (or an admin's), and says who", async () => {
    for (const [who, module, code] of [
      ["read", "Checkout", "AMS_ERR_AUTH_ROLE"],
      ["operate", "Search", "AMS_ERR_AUTH_TEAM"],
    ] as const) {
      const before = await openOf(module);
      const refused = await as(who, `/monitors/${module}/API/ack`, {
        method: "POST",
        body: { incident: before.key },
      });
      expect(refused.status, `${who} on ${module}`).toBe(403);
      expect(refused.body.error.code).toBe(code);
      expect(await openOf(module)).toMatchObject({ key: before.key, state: "open", acknowledged: null });
    }

    const checkout = await openOf("Checkout");
    expect(
      (
        await as("operate", "/monitors/Checkout/API/ack", {
          method: "POST",
          body: { incident: checkout.key },
        })
      ).status,
    ).toBe(200);
    const acked = await openOf("Checkout");
    expect(acked).toMatchObject({
      state: "acknowledged",
      acknowledged: { name: "pay-operate", team: "payments" },
    });
    expect(acked.events.at(-1)).toMatchObject({
      type: "acknowledged",
      by: { name: "pay-operate", team: "payments" },
    });
    // An admin acts on any team's.
    expect((await as("admin", "/monitors/Search/API/ack", { method: "POST", body: {} })).status).toBe(200);
    expect((await incidents("?state=acknowledged")).incidents).toHaveLength(2);
  });

  it("schedules a maintenance (a silence that starts later) and expires it, with the same rights", async () => {
    const from = Date.now() + 3_600_000;
    const body = (module: string) => ({
      module,
      from: new Date(from).toISOString(),
      until: new Date(from + 7_200_000).toISOString(),
      reason: "database upgrade",
    });
    const refusedRead = await as("read", "/silences", { method: "POST", body: body("Checkout") });
    expect([refusedRead.status, refusedRead.body.error.code]).toEqual([403, "AMS_ERR_AUTH_ROLE"]);
    const refusedTeam = await as("operate", "/silences", { method: "POST", body: body("Search") });
    expect([refusedTeam.status, refusedTeam.body.error.code]).toEqual([403, "AMS_ERR_AUTH_TEAM"]);
    expect((await as("read", "/silences?all=true")).body).toEqual([]);

    const scheduled = await as("operate", "/silences", { method: "POST", body: body("Checkout") });
    expect(scheduled.status).toBe(201);
    expect(scheduled.body).toMatchObject({
      module: "Checkout",
      from,
      by: "pay-operate",
      reason: "database upgrade",
    });
    const id = scheduled.body.id as string;
    // Not in force yet: listed with ?all=true only, and in the open incident's timeline as to come.
    expect((await as("read", "/silences")).body).toEqual([]);
    expect((await openOf("Checkout")).events.at(-1)).toMatchObject({
      type: "silenced",
      at: from,
      silence: { id, from, reason: "database upgrade" },
    });

    const adminOne = await as("admin", "/silences", { method: "POST", body: body("Search") });
    const refusedEnd = await as("operate", `/silences/${adminOne.body.id}`, { method: "DELETE" });
    expect([refusedEnd.status, refusedEnd.body.error.code]).toEqual([403, "AMS_ERR_AUTH_TEAM"]);
    expect((await as("read", `/silences/${id}`, { method: "DELETE" })).status).toBe(403);
    const ended = await as("operate", `/silences/${id}`, { method: "DELETE" });
    expect(ended.status).toBe(200);
    expect(ended.body.until).toBeLessThan(from);
    expect((await openOf("Checkout")).events.some((e: { type: string }) => e.type === "silenced")).toBe(
      false,
    );
  });

  it("resolves: the incident moves to the recent ones with its whole timeline", async () => {
    target.statusOf.set("/checkout", 200);
    const resolved = await eventually(
      async () => (await incidents("?module=Checkout&state=resolved")).incidents[0],
      20_000,
      "the Checkout incident to resolve",
    );
    expect(resolved.events.map((e: { type: string }) => e.type)).toEqual([
      "opened",
      "acknowledged",
      "resolved",
    ]);
    expect(resolved).toMatchObject({
      status: "ok",
      worst: "critical",
      acknowledged: { name: "pay-operate" },
    });
    expect(resolved.resolvedAt).toBeGreaterThan(resolved.openedAt);
  });
});
