import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isAmstaffError } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { definition, put, transition } from "../../__tests__/fixtures.js";
import type { TransitionRecord } from "../../state/commands.js";
import { StateMachine } from "../../state/stateMachine.js";
import { createStatusPages, parseStatusPages, publicStatus, uptime } from "./statusPage.js";

const hour = 3_600_000;
const change = (to: TransitionRecord["to"], since: number): TransitionRecord => ({
  id: `t${since}`,
  module: "m",
  monitor: "x",
  tags: [],
  from: "ok",
  to,
  since,
  result: { status: to, message: "", durationMs: 1, timestamp: since },
  kind: "transition",
  at: since,
});

describe("status pages", () => {
  it("reads --status-page, and refuses an entry that is neither tag: nor module:", () => {
    expect(parseStatusPages("tag:public, module:Payments ,tag:status")).toEqual({
      tags: ["public", "status"],
      modules: ["Payments"],
    });
    expect(parseStatusPages(undefined)).toEqual({ tags: [], modules: [] });
    let error: unknown;
    try {
      parseStatusPages("tag:public,Payments");
    } catch (e) {
      error = e;
    }
    expect(isAmstaffError(error) && error.code).toBe("AMS_ERR_REQUEST_INVALID");
    expect(String(error)).toContain('"Payments"');
  });

  it("says a status in one public word", () => {
    expect(["ok", "warning", "critical", "unknown", "pending"].map((s) => publicStatus(s as never))).toEqual([
      "ok",
      "degraded",
      "down",
      "no data",
      "no data",
    ]);
  });

  it("computes uptime from transitions, counting neither unknown time nor time before the first", () => {
    const now = 100 * hour;
    // ok for 18 h, down 6 h (inside the last 24 h: 18 h ok, 6 h down).
    const transitions = [change("ok", now - 48 * hour), change("critical", now - 6 * hour)];
    expect(uptime(transitions, now, 24 * hour)).toBeCloseTo(18 / 24);
    // 2 h of unknown count neither way.
    const withUnknown = [
      change("ok", now - 10 * hour),
      change("unknown", now - 4 * hour),
      change("ok", now - 2 * hour),
    ];
    expect(uptime(withUnknown, now, 24 * hour)).toBe(1);
    expect(uptime([], now, 24 * hour)).toBeUndefined();
  });

  it("publishes only what is opted in, with names and statuses and nothing internal", async () => {
    const machine = new StateMachine();
    machine.apply({ type: "cluster.init", clusterId: "c1", at: 0 }, 1);
    machine.apply(put(definition("User Service", ["Health", "Latency"])), 2);
    machine.apply(transition(2, "pending", "critical"), 3);
    const pages = createStatusPages({
      machine,
      clock: { now: () => 10_000, setTimeout, clearTimeout },
      selection: { tags: ["team8"], modules: [] },
    });
    const server = createServer((req, res) => {
      if (!pages.handle(req, res)) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/status/tag/team8`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      const html = await page.text();
      expect(html).toContain("Health");
      expect(html).toContain("Down");
      expect(html).toContain("Some systems down");
      expect(html).not.toContain("<script");
      for (const internal of ["127.0.0.1", "it is critical", "webhook", "/health"])
        expect(html).not.toContain(internal);

      expect((await fetch(`${base}/status/module/User%20Service`)).status).toBe(404);
      expect((await fetch(`${base}/status/tag/other`)).status).toBe(404);
      expect((await fetch(`${base}/status/tag/%E0%A4%A`)).status).toBe(404);
      expect(await (await fetch(`${base}/status`)).text()).toContain('href="/status/tag/team8"');
      expect((await fetch(`${base}/status/status.css`)).headers.get("content-type")).toContain("text/css");
      expect((await fetch(`${base}/statuses`)).status).toBe(418);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
