import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, launchChromium } from "./browser.js";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

const moduleSource = (
  targetUrl: string,
  hookUrl: string,
  comment = "",
) => `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";
${comment}
export default amstaff("Payments", (m) => {
  m.monitor("Checkout API", {
    sampler: httpGet({ url: "${targetUrl}/health", okStatus: [200] }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/hook" })],
    tags: ["public", "payments-internal"],
  });
});
`;

const statusOf = (page: Page, monitor: string) =>
  page
    .locator("tr.row", { has: page.getByRole("link", { name: monitor, exact: true }) })
    .locator(".badge")
    .first();

describe("the dashboard, in a real Chromium against a real server", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs in, shows a failing monitor live, charts it, diffs versions, and keeps the status page public but bare", async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    await using server = new ServerProcess(undefined, { args: ["--status-page", "tag:public"] });
    await server.start();
    const first = await server.api("/monitor", {
      method: "POST",
      body: moduleSource(target.url, receiver.url),
    });
    expect(first.status).toBe(201);
    const second = await server.api("/monitor", {
      method: "POST",
      body: moduleSource(target.url, receiver.url, "// v2: same monitors, a note for the diff"),
    });
    expect(second.body).toMatchObject({ revision: 2 });

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    // Expected refusals: the wrong token at sign-in; the sample history route where a server has none.
    page.on("response", (response) => {
      const path = new URL(response.url()).pathname;
      if (
        response.status() >= 400 &&
        !(response.status() === 401 && path === "/overview") &&
        !path.endsWith("/samples")
      )
        problems.push(`${response.status()} ${path}`);
    });

    // Static files need no token, and carry the CSP.
    const landing = await page.goto(`${server.url}/`);
    expect(landing?.url()).toBe(`${server.url}/ui/`);
    expect(landing?.headers()["content-security-policy"]).toContain("script-src 'self'");

    // A wrong token is refused at the sign-in form.
    await page.getByLabel("Token").fill("not-the-token-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("refused");

    await page.getByLabel("Token").fill(server.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => statusOf(page, "Checkout API").textContent(), { timeout: 15_000 }).toBe("ok");
    expect(await page.evaluate(() => sessionStorage.getItem("amstaff.token"))).toBe(server.token);
    expect(page.url()).not.toContain(server.token);
    await page.screenshot({ path: `${artifacts}dashboard-overview-ok.png`, fullPage: true });

    // The target breaks: the row turns critical without a reload (the marker survives only if the
    // document does), within one interval (1 s) plus the consecutive sample, the commit and the 500 ms push.
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "same document";
    });
    target.status = 500;
    const broke = Date.now();
    await expect
      .poll(() => statusOf(page, "Checkout API").textContent(), { timeout: 8_000 })
      .toBe("critical");
    const lagMs = Date.now() - broke;
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
      "same document",
    );
    expect(await page.locator(".summary").textContent()).toContain("1 failing");
    await page.screenshot({ path: `${artifacts}dashboard-overview-critical.png`, fullPage: true });
    process.stdout.write(`dashboard e2e: the failure showed ${lagMs} ms after the target broke\n`);

    // Keyboard only: Tab reaches the search field, then a monitor's link; Enter opens it.
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    const reached = async (predicate: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate(predicate)) return true;
      }
      return false;
    };
    expect(await reached("document.activeElement?.id === 'filter-text'")).toBe(true);
    expect(
      await reached("document.activeElement?.getAttribute('href')?.startsWith('#/monitor/') === true"),
    ).toBe(true);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("h1").textContent()).toBe("Checkout API");

    // The monitor page: a chart with data points, the transitions and deliveries, the definition.
    await expect
      .poll(async () => Number(await page.locator(".chart").first().getAttribute("data-points")), {
        timeout: 10_000,
      })
      .toBeGreaterThan(1);
    expect(await page.locator(".chart canvas").count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator(".transitions").textContent()).toContain("webhook");
    expect(await page.locator(".transitions").textContent()).toContain("critical");
    expect(await page.locator("pre.code").first().textContent()).toContain(
      '"plugin": "@amstaff/sampler-http"',
    );
    await page.screenshot({ path: `${artifacts}dashboard-monitor.png`, fullPage: true });

    // The module page: both versions, and the line diff between them.
    await page.getByRole("link", { name: "Payments" }).click();
    await expect.poll(() => page.locator(".diff-out").textContent()).toContain("1 line added");
    expect(await page.locator(".diff .add").textContent()).toContain("v2: same monitors");
    await page.screenshot({ path: `${artifacts}dashboard-module.png`, fullPage: true });

    // The cluster page (a cluster of one).
    await page.getByRole("link", { name: "Cluster" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("leader");
    await page.screenshot({ path: `${artifacts}dashboard-cluster.png`, fullPage: true });

    // A phone: nothing scrolls sideways.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => statusOf(page, "Checkout API").textContent()).toBe("critical");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: `${artifacts}dashboard-phone.png`, fullPage: true });

    expect(problems.filter((p) => !p.startsWith("Failed to load resource"))).toEqual([]);

    // The public status page: no token, names and a status word, and none of the internals.
    const publicPage = await browser.newPage();
    const response = await publicPage.goto(`${server.url}/status/tag/public`);
    expect(response?.status()).toBe(200);
    const html = await response!.text();
    expect(html).toContain("Checkout API");
    expect(html).toContain("Down");
    const internals = [
      target.url,
      "127.0.0.1",
      "HTTP 500",
      "/health",
      "payments-internal",
      "webhook",
      server.token,
    ];
    for (const secret of internals) expect(html).not.toContain(secret);
    const node = (await server.api("/cluster")).body.node as string;
    expect(html).not.toContain(node);
    await publicPage.screenshot({ path: `${artifacts}status-page.png`, fullPage: true });
    expect((await fetch(`${server.url}/status/tag/payments-internal`)).status).toBe(404);
    await publicPage.close();
    await context.close();
  }, 90_000);

  it("refuses the dashboard's data without a token but serves its files", async () => {
    await using server = new ServerProcess();
    await server.start();
    const index = await fetch(`${server.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const script = /src="\.\/(assets\/app-[\w-]+\.js)"/.exec(await index.text())?.[1];
    const asset = await fetch(`${server.url}/ui/${script}`);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await server.api("/overview", { token: null })).status).toBe(401);
    expect((await fetch(`${server.url}/events`)).status).toBe(401);
    expect((await fetch(`${server.url}/ui/../token`)).status).not.toBe(200);
    expect((await fetch(`${server.url}/ui/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    await eventually(async () => ((await server.api("/overview")).status === 200 ? true : undefined));
  }, 30_000);
});
