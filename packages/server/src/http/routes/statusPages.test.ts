import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../../__tests__/apiServer.js";
import type { Principal } from "../../access/access.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { maxLogoBytes } from "../../state/statusPageSchema.js";

// The status pages' API on a real HTTP server, a real log and state machine: rights and refusals.

const tokens: Record<string, Principal> = {
  "pay-write": { name: "pay-write", team: "payments", role: "write" },
  "pay-operate": { name: "pay-operate", team: "payments", role: "operate" },
  "pay-read": { name: "pay-read", team: "payments", role: "read" },
  "search-write": { name: "search-write", team: "search", role: "write" },
  root: { name: "root", team: "ops", role: "admin" },
};
let api: ApiServer;
let machine: StateMachine;

beforeAll(async () => {
  api = await startApiServer({ tokens });
  machine = api.machine;
});

afterAll(() => api.close());

const call = (path: string, token: string, method = "GET", body?: unknown) =>
  api.call(path, token, {
    method,
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });

const page = (extra: Record<string, unknown> = {}) => ({
  title: "Acme status",
  description: "Payments, as our customers see them.",
  groups: [
    {
      name: "Payments",
      components: [
        { name: "Checkout", select: ["module:Checkout"] },
        { name: "Refunds", select: ["tag:refunds"] },
      ],
    },
  ],
  ...extra,
});

describe("the status pages' API", () => {
  it("lets a write token publish and replace its team's page, with warnings for selectors that match nothing", async () => {
    expect((await call("/monitor", "pay-write", "POST", "Checkout")).status).toBe(201);
    const created = await call("/status-pages/acme", "pay-write", "PUT", page());
    expect(created).toMatchObject({
      status: 201,
      body: { created: true, page: { slug: "acme", team: "payments", showResolvedDays: 7 } },
    });
    expect(created.body.warnings).toEqual(['"tag:refunds" matches no monitor of team "payments" yet']);
    const replaced = await call("/status-pages/acme", "pay-write", "PUT", page({ title: "Acme" }));
    expect(replaced).toMatchObject({ status: 200, body: { created: false, page: { title: "Acme" } } });
    expect((await call("/status-pages", "pay-read")).body).toEqual([
      expect.objectContaining({ slug: "acme", team: "payments", components: 2, url: "/status/acme" }),
    ]);
  });

  it("refuses other roles and teams, and bad pages, changing nothing", async () => {
    const before = machine.statusPage("acme");
    const refusals: [string, unknown, string, number, string][] = [
      ["acme", page(), "pay-read", 403, "AMS_ERR_AUTH_ROLE"],
      ["acme", page(), "pay-operate", 403, "AMS_ERR_AUTH_ROLE"],
      ["acme", page(), "search-write", 403, "AMS_ERR_AUTH_TEAM"],
      ["other", page({ team: "payments" }), "search-write", 403, "AMS_ERR_AUTH_TEAM"],
      ["Acme!", page(), "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
      ["tag", page(), "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
      ["acme", page({ slug: "other" }), "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
      ["acme", page({ groups: [] }), "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
      ["acme", page({ colour: "red" }), "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
      ["acme", page({ logo: { url: "javascript:alert(1)" } }), "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
      [
        "acme",
        page({ logo: { url: "http://cdn.example.com/logo.png" } }),
        "pay-write",
        400,
        "AMS_ERR_REQUEST_INVALID",
      ],
      [
        "acme",
        page({ logo: { type: "image/png", data: Buffer.alloc(maxLogoBytes + 1).toString("base64") } }),
        "pay-write",
        400,
        "AMS_ERR_REQUEST_INVALID",
      ],
      [
        "acme",
        page({ groups: [{ name: "A", components: [{ name: "X", select: ["host:db1"] }] }] }),
        "pay-write",
        400,
        "AMS_ERR_REQUEST_INVALID",
      ],
      [
        "acme",
        page({
          groups: [
            { name: "A", components: [{ name: "X", select: ["tag:a"] }] },
            { name: "B", components: [{ name: "x", select: ["tag:b"] }] },
          ],
        }),
        "pay-write",
        400,
        "AMS_ERR_REQUEST_INVALID",
      ],
      ["acme", "{not json", "pay-write", 400, "AMS_ERR_REQUEST_INVALID"],
    ];
    for (const [slug, body, token, status, code] of refusals) {
      const answer = await call(`/status-pages/${slug}`, token, "PUT", body);
      expect({ slug, token, status: answer.status, code: answer.body.error?.code }).toEqual({
        slug,
        token,
        status,
        code,
      });
    }
    expect(machine.statusPage("acme")).toEqual(before);
    expect(machine.statusPage("other")).toBeUndefined();
    expect((await call("/status-pages/acme", "search-write", "DELETE")).status).toBe(403);
    expect((await call("/status-pages/nope", "pay-read")).body.error.code).toBe(
      "AMS_ERR_STATUS_PAGE_NOT_FOUND",
    );
  });

  it("lets an admin publish another team's page", async () => {
    expect(await call("/status-pages/search", "root", "PUT", page({ team: "search" }))).toMatchObject({
      status: 201,
      body: { page: { team: "search" } },
    });
    expect((await call("/status-pages/search", "search-write", "DELETE")).status).toBe(200);
  });

  it("posts incidents with operate tokens of the page's team, appends updates and refuses what does not fit", async () => {
    const posted = await call("/status-pages/acme/incidents", "pay-operate", "POST", {
      title: "Checkout errors",
      impact: "major",
      message: "We are looking into it.",
      components: ["Checkout"],
    });
    expect(posted).toMatchObject({
      status: 201,
      body: { kind: "incident", status: "investigating", impact: "major", components: ["Checkout"] },
    });
    const id = posted.body.id as string;
    const bad: [unknown, string][] = [
      [{ title: "x", message: "y", components: ["Chekout"] }, "Chekout"],
      [{ title: "x", message: "y", status: "scheduled" }, "status"],
      [{ title: "x" }, "message"],
      [{ kind: "maintenance", title: "x", message: "y", startsAt: 2_000, endsAt: 1_000 }, "ends before"],
    ];
    for (const [body, mentions] of bad) {
      const answer = await call("/status-pages/acme/incidents", "pay-operate", "POST", body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain(mentions);
    }
    expect(
      (await call("/status-pages/acme/incidents", "search-write", "POST", { title: "x", message: "y" })).body
        .error.code,
    ).toBe("AMS_ERR_AUTH_TEAM");
    expect(
      (await call("/status-pages/acme/incidents", "pay-read", "POST", { title: "x", message: "y" })).status,
    ).toBe(403);

    const updates = `/status-pages/acme/incidents/${encodeURIComponent(id)}/updates`;
    expect(
      (await call(updates, "pay-operate", "POST", { status: "completed", message: "done" })).status,
    ).toBe(400);
    const resolved = await call(updates, "pay-operate", "POST", {
      status: "resolved",
      message: "Rolled back.",
    });
    expect(resolved).toMatchObject({ status: 200, body: { status: "resolved" } });
    expect(resolved.body.updates.map((u: { status: string }) => u.status)).toEqual([
      "investigating",
      "resolved",
    ]);
    expect(
      (await call("/status-pages/acme/incidents/nope/updates", "pay-operate", "POST", { message: "x" }))
        .status,
    ).toBe(404);
    expect((await call("/status-pages/acme/incidents", "pay-read")).body).toHaveLength(1);
    expect((await call(`/status-pages/acme/incidents/${id}`, "pay-operate", "DELETE")).status).toBe(200);
    expect(machine.statusNotes("acme")).toEqual([]);
  });

  it("deletes a page with a write token of its team", async () => {
    expect((await call("/status-pages/acme", "pay-operate", "DELETE")).status).toBe(403);
    expect(await call("/status-pages/acme", "pay-write", "DELETE")).toMatchObject({
      status: 200,
      body: { deleted: "acme" },
    });
    expect((await call("/status-pages/acme", "pay-write", "DELETE")).status).toBe(404);
  });
});
