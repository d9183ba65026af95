import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isAmstaffError } from "@amstaff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definition, put, transition } from "../../__tests__/fixtures.js";
import { ManualClock } from "../../__tests__/manualClock.js";
import { dayOf } from "../../runtime/dailyUptime.js";
import { UptimeDays } from "../../runtime/uptimeDays.js";
import { StateMachine } from "../../state/stateMachine.js";
import { badgeSvg } from "./badges.js";
import { createStatusPages, parseStatusPages, publicStatus } from "./statusPage.js";
import type { PublicPage } from "./statusPageModel.js";

const clock = new ManualClock(Date.UTC(2026, 11, 6, 12));
const today = dayOf(clock.now());
const machine = new StateMachine();
machine.apply({ type: "cluster.init", clusterId: "c1", at: 0 }, 1);
machine.apply({ ...put(definition("User Service", ["Health", "Latency"])), team: "team8" }, 2);
machine.apply(transition(2, "pending", "critical"), 3);
machine.apply(
  {
    type: "statuspage.put",
    page: {
      slug: "acme",
      title: "Acme <status>",
      description: "Our public services",
      team: "team8",
      logo: { type: "image/png", data: Buffer.from("not really a png").toString("base64") },
      groups: [
        {
          name: "Core",
          components: [
            { name: "Users & <Login>", description: "", select: ["module:User Service"] },
            { name: "Search", description: "", select: ["tag:nothing-has-it"] },
          ],
        },
      ],
      showResolvedDays: 7,
    },
    at: 5,
  },
  4,
);
machine.apply(
  {
    type: "statusnote.post",
    slug: "acme",
    note: {
      kind: "incident",
      title: "Logins <fail>",
      impact: "major",
      status: "investigating",
      message: "We <b>know</b>.",
      components: ["Users & <Login>"],
    },
    by: "secret-token-name",
    at: clock.now() - 60_000,
  },
  5,
);

// Two resolved incidents: one 8 days ago (past the page's 7 days: no longer shown), one yesterday.
for (const [index, daysAgo] of [
  [6, 8],
  [7, 1],
] as const) {
  machine.apply(
    {
      type: "statusnote.post",
      slug: "acme",
      note: {
        kind: "incident",
        title: `Resolved ${daysAgo} days ago`,
        impact: "minor",
        status: "resolved",
        message: "Fixed.",
        components: [],
      },
      by: "bob",
      at: clock.now() - daysAgo * 86_400_000,
    },
    index,
  );
}

// Yesterday 50% up on one monitor and 100% on the other: the component's day is their mean, 75%.
const uptime = new UptimeDays({
  clock,
  history: {
    days: (_module, monitor) =>
      monitor === "Health"
        ? [[today - 1, 1, 0, 1, 0]]
        : [
            [today - 1, 4, 0, 0, 0],
            [today, 2, 0, 0, 0],
          ],
  },
});
const pages = createStatusPages({ machine, clock, uptime, selection: { tags: ["team8"], modules: [] } });
const server = createServer((req, res) => {
  if (!pages.handle(req, res)) res.writeHead(418).end();
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("status pages", () => {
  it("reads --status-page, and refuses an entry that is neither tag: nor module:", () => {
    expect(parseStatusPages("tag:public, module:Payments ,tag:status")).toEqual({
      tags: ["public", "status"],
      modules: ["Payments"],
    });
    let error: unknown;
    try {
      parseStatusPages("tag:public,Payments");
    } catch (e) {
      error = e;
    }
    expect(isAmstaffError(error) && error.code).toBe("AMS_ERR_REQUEST_INVALID");
    expect(["ok", "warning", "critical", "pending"].map((s) => publicStatus(s as never))).toEqual([
      "ok",
      "degraded",
      "down",
      "no data",
    ]);
  });

  it("serves a configured page as escaped HTML without script, with bars, notes and a JSON link", async () => {
    const response = await fetch(`${base}/status/acme`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=30");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).not.toContain("<script");
    // It reloads only when the reader asks (WCAG 2.2.1), at most every 30 s.
    expect(html).not.toContain('http-equiv="refresh"');
    expect(await (await fetch(`${base}/status/acme?refresh=5`)).text()).toContain(
      '<meta http-equiv="refresh" content="30">',
    );
    expect(html).toContain("<h1>Acme &lt;status&gt;</h1>");
    expect(html).toContain("Users &amp; &lt;Login&gt;");
    expect(html).toContain("We &lt;b&gt;know&lt;/b&gt;.");
    expect(html).toContain('src="/status/acme/logo"');
    expect(html).toContain('href="/status/acme.json"');
    expect(html.match(/class="day /g)).toHaveLength(180);
    const yesterday = new Date((today - 1) * 86_400_000).toISOString().slice(0, 10);
    expect(html).toContain(`aria-label="${yesterday}: 75.00% up"`);
    for (const internal of ["secret-token-name", "it is critical", "team8", "nothing-has-it"])
      expect(html).not.toContain(internal);
  });

  it("gives the same page as JSON, by suffix or by Accept", async () => {
    const bySuffix = await fetch(`${base}/status/acme.json`);
    expect(bySuffix.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(bySuffix.headers.get("access-control-allow-origin")).toBe("*");
    const page = (await bySuffix.json()) as PublicPage;
    const byAccept = (await (
      await fetch(`${base}/status/acme`, { headers: { accept: "application/json" } })
    ).json()) as PublicPage;
    expect(byAccept).toEqual(page);
    expect(page).toMatchObject({ title: "Acme <status>", status: "down", logo: "/status/acme/logo" });
    const [users, search] = page.groups[0]!.components;
    expect(users).toMatchObject({ status: "down", uptime: { "30d": 0.75 } });
    expect(users!.days).toHaveLength(90);
    expect(users!.days.at(-1)).toEqual({ date: new Date(clock.now()).toISOString().slice(0, 10), uptime: 1 });
    expect(search).toMatchObject({ status: "no data", uptime: { "30d": null, "90d": null } });
    // Open first, then what was resolved within the page's showResolvedDays (7).
    expect(page.notes.map((n) => n.title)).toEqual(["Logins <fail>", "Resolved 1 days ago"]);
    expect(page.notes[0]).toMatchObject({ status: "investigating" });
    expect(page.notes[1]).toMatchObject({ status: "resolved", resolvedAt: expect.any(String) });
    expect(JSON.stringify(page)).not.toContain("secret-token-name");
  });

  it("serves badges as SVG with escaped text, and the uploaded logo", async () => {
    const status = await fetch(`${base}/badge/acme/status.svg`);
    expect(status.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(status.headers.get("cache-control")).toBe("public, max-age=60, s-maxage=60");
    expect(await status.text()).toContain("status: down");
    const component = await fetch(
      `${base}/badge/acme/${encodeURIComponent("Users & <Login>")}/uptime.svg?days=30`,
    );
    expect(component.status).toBe(200);
    const svg = await component.text();
    expect(svg).toContain("uptime 30d: 75.00%");
    expect(svg).not.toContain("<Login>");
    expect((await fetch(`${base}/badge/acme/Nope/uptime.svg`)).status).toBe(404);
    expect((await fetch(`${base}/badge/acme/Search/uptime.svg?days=91`)).status).toBe(400);
    expect((await fetch(`${base}/badge/other/status.svg`)).status).toBe(404);
    expect(badgeSvg("a&b", "<x>", "#000")).toContain("a&amp;b: &lt;x&gt;");
    const logo = await fetch(`${base}/status/acme/logo`);
    expect(logo.headers.get("content-type")).toBe("image/png");
    expect(logo.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(Buffer.from(await logo.arrayBuffer()).toString()).toBe("not really a png");
  });

  it("keeps the flag's pages, lists every page, and answers 404 for what is not published", async () => {
    const flag = await (await fetch(`${base}/status/tag/team8`)).text();
    expect(flag).toContain("Status: team8");
    expect(flag).toContain("Health");
    expect(await (await fetch(`${base}/badge/tag/team8/status.svg`)).text()).toContain("status: down");
    expect(await (await fetch(`${base}/badge/tag/team8/Latency/status.svg`)).text()).toContain(
      "Latency: no data",
    );
    const list = await (await fetch(`${base}/status`)).text();
    expect(list).toContain('href="/status/acme"');
    expect(list).toContain('href="/status/tag/team8"');
    expect((await fetch(`${base}/status/module/User%20Service`)).status).toBe(404);
    expect((await fetch(`${base}/status/tag/%E0%A4%A`)).status).toBe(404);
    expect((await fetch(`${base}/status/nope`)).status).toBe(404);
    expect((await fetch(`${base}/status/status.css`)).headers.get("content-type")).toContain("text/css");
    expect((await fetch(`${base}/status/acme`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${base}/statuses`)).status).toBe(418);
  });
});
