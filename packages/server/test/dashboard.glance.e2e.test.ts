import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, launchChromium, seriousAxeViolations } from "./browser.js";
import { startTarget } from "./localServers.js";
import { ServerProcess } from "./serverProcess.js";

// The overview at a glance, dark mode, the fixed defects, virtualised rows and an axe-core pass, in
// Debian's Chromium against one real server process shared by every case of this file.
const bigCount = 150;

const glanceModule = (url: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Glance", (m) => {
  m.monitor("Down API", { sampler: httpGet({ url: "${url}/down" }), timing: every("1s"), tags: ["public"] });
  m.monitor("Slow API", {
    sampler: httpGet({ url: "${url}/slow", latency: { warning: 120 } }),
    timing: every("1s"),
  });
  m.monitor("Flaky API", { sampler: httpGet({ url: "${url}/flaky" }), timing: every("1s") });
  m.monitor("Healthy API", { sampler: httpGet({ url: "${url}/ok" }), timing: every("1s"), tags: ["public"] });
});
`;
const bigModule = (url: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Big", (m) => {
  for (let i = 0; i < ${bigCount}; i++)
    m.monitor("check-" + String(i).padStart(3, "0"), { sampler: httpGet({ url: "${url}/ok" }), timing: every("5s") });
});
`;

const rowOf = (page: Page, monitor: string) =>
  page.locator("tr.row", { has: page.getByRole("link", { name: monitor, exact: true }) });
const statusOf = (page: Page, monitor: string) => rowOf(page, monitor).locator(".badge").first();

describe("the dashboard at a glance, in a real Chromium", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let server: ServerProcess;
  let target: Awaited<ReturnType<typeof startTarget>>;
  const problems: string[] = [];

  beforeAll(async () => {
    target = await startTarget();
    target.statusOf.set("/down", 500);
    target.delayOf.set("/slow", 200);
    server = new ServerProcess(undefined, { args: ["--status-page", "tag:public"] });
    await server.start();
    for (const source of [glanceModule(target.url), bigModule(target.url)]) {
      const pushed = await server.api("/monitor", { method: "POST", body: source });
      expect(pushed.status).toBe(201);
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => sessionStorage.setItem("amstaff.token", t), server.token);
    page = await context.newPage();
    page.on("console", (m) => (m.type() === "error" ? problems.push(m.text()) : undefined));
    page.on("pageerror", (e) => problems.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.[Symbol.asyncDispose]();
    await target?.[Symbol.asyncDispose]();
  });

  it("shows no navigation on the sign-in screen, and the sign-in passes axe", async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${server.url}/ui/`);
    await fresh.getByLabel("Token").waitFor();
    expect(await fresh.locator("#nav").isVisible()).toBe(false);
    expect(await fresh.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    expect(await seriousAxeViolations(fresh)).toEqual([]);
    await fresh.screenshot({ path: `${artifacts}glance-signin.png` });
    await fresh.close();
  }, 60_000);

  it("shows each monitor's last samples, uptime and latency, counts by status, critical before warning", async () => {
    await page.goto(`${server.url}/ui/`);
    await expect.poll(() => statusOf(page, "Down API").textContent(), { timeout: 20_000 }).toBe("critical");
    await expect.poll(() => statusOf(page, "Slow API").textContent(), { timeout: 20_000 }).toBe("warning");
    await expect.poll(() => statusOf(page, "Healthy API").textContent(), { timeout: 20_000 }).toBe("ok");
    // Counts at the top, warning apart from critical.
    const count = (s: string) => page.locator(`.status-counts .s-${s} .n`).textContent();
    expect(Number(await count("critical"))).toBeGreaterThanOrEqual(1);
    expect(Number(await count("warning"))).toBeGreaterThanOrEqual(1);
    // Within the group: critical, then warning, then the rest.
    const names = await page
      .locator("section.group", { hasText: "Glance" })
      .locator("tr.row th a")
      .allTextContents();
    expect(names.indexOf("Down API")).toBeLessThan(names.indexOf("Slow API"));
    expect(names.indexOf("Slow API")).toBeLessThan(names.indexOf("Healthy API"));
    // The sample bars fill with slots coloured by status, and say so in words.
    const barOf = (monitor: string) => rowOf(page, monitor).locator("button.bar");
    const painted = (monitor: string) =>
      barOf(monitor).evaluate((b) => (b as HTMLElement).style.backgroundImage);
    await expect
      .poll(
        async () =>
          Number(
            /last (\d+) samples/.exec((await barOf("Healthy API").getAttribute("aria-label")) ?? "")?.[1],
          ),
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(2);
    expect(await barOf("Healthy API").getAttribute("aria-label")).toMatch(/samples: \d+ ok\./);
    expect(await painted("Healthy API")).toContain("var(--bar-ok)");
    expect(await barOf("Down API").getAttribute("aria-label")).toMatch(/samples: \d+ critical/);
    expect(await painted("Down API")).toContain("var(--bar-critical)");
    expect(await barOf("Slow API").getAttribute("aria-label")).toMatch(/samples: \d+ warning/);
    expect(await painted("Slow API")).toContain("var(--bar-warning)");
    expect(await rowOf(page, "Healthy API").locator("td.c-up").first().textContent()).toBe("100%");
    expect(await rowOf(page, "Down API").locator("td.c-up").first().textContent()).toBe("0.00%");
    expect(await rowOf(page, "Healthy API").locator(".spark polyline").getAttribute("points")).toMatch(
      /^[\d.]+,[\d.]+ /,
    );
    // For HTTP the value is the latency: the value column does not repeat it.
    expect(await rowOf(page, "Healthy API").locator("td.c-value").textContent()).toBe("—");
    // Hover: the sample's time, status, latency and message.
    // Hover the newest slot (the bar's right end).
    const downBox = (await barOf("Down API").boundingBox())!;
    await page.mouse.move(downBox.x + downBox.width - 2, downBox.y + downBox.height / 2);
    const tip = page.getByRole("tooltip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    // The time and message are asked for when the bar is hovered (rows leave them out).
    await expect.poll(() => tip.textContent()).toMatch(/^\d\d:\d\d:\d\d · critical · \d+ ms.*HTTP 500/);
    await page.screenshot({ path: `${artifacts}glance-overview.png` });
    // Keyboard: the bar is one tab stop; the arrow keys walk its samples.
    const bar = rowOf(page, "Healthy API").locator("button.bar");
    await bar.focus();
    await expect.poll(() => tip.textContent()).toMatch(/^\d\d:\d\d:\d\d · ok · /);
    const latest = await tip.textContent();
    await page.keyboard.press("Home");
    await expect.poll(() => tip.textContent()).not.toBe(latest);
    expect(await bar.getAttribute("aria-label")).toMatch(/Healthy API, last \d+ samples: \d+ ok/);
    await page.keyboard.press("Escape");
    expect(await tip.isVisible()).toBe(false);
    // The samples behind a bar, from memory: times, statuses, latencies, messages of the failing ones.
    const recent = await server.api("/modules/Glance/monitors/Down%20API/recent");
    expect(recent.status).toBe(200);
    expect(recent.body.samples.at(-1)).toMatchObject({
      status: "critical",
      message: expect.stringContaining("HTTP 500"),
    });
    expect(recent.body.uptime).toEqual({ h24: 0, d30: 0 });
    expect((await server.api("/modules/Glance/monitors/Nope/recent")).status).toBe(404);
    // The API orders the same way: critical, then warning, then the rest.
    const monitors = (await server.api("/monitors")).body as { monitor: string; status: string }[];
    const order = monitors.map((m) => m.status).filter((s, i, all) => all.indexOf(s) === i);
    expect(order.slice(0, 2)).toEqual(["critical", "warning"]);
    expect(await seriousAxeViolations(page)).toEqual([]);
  }, 90_000);

  it("keeps keyboard focus and the layout still while rows update live, even when a row moves", async () => {
    await page.evaluate(() => {
      const w = window as unknown as { shift: number; shifted: string[] };
      w.shift = 0;
      w.shifted = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as unknown as {
          value: number;
          sources: { node?: Element }[];
        }[]) {
          w.shift += entry.value;
          for (const s of entry.sources) w.shifted.push(s.node?.outerHTML.slice(0, 120) ?? "?");
        }
      }).observe({ type: "layout-shift" });
    });
    const link = rowOf(page, "Flaky API").getByRole("link");
    await link.focus();
    const box = await rowOf(page, "Healthy API").boundingBox();
    const label = await rowOf(page, "Flaky API").locator("button.bar").getAttribute("aria-label");
    // Live samples change the focused row's bar: the link keeps focus, nothing moves.
    await expect
      .poll(() => rowOf(page, "Flaky API").locator("button.bar").getAttribute("aria-label"), {
        timeout: 10_000,
      })
      .not.toBe(label);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Flaky API");
    expect(await rowOf(page, "Healthy API").boundingBox()).toEqual(box);
    expect(await page.evaluate(() => (window as unknown as { shifted: string[] }).shifted)).toEqual([]);
    // The focused row turns critical and moves to the top of its group: focus goes with it.
    target.statusOf.set("/flaky", 500);
    await expect.poll(() => statusOf(page, "Flaky API").textContent(), { timeout: 15_000 }).toBe("critical");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Flaky API");
    target.statusOf.delete("/flaky");
    await expect.poll(() => statusOf(page, "Flaky API").textContent(), { timeout: 15_000 }).toBe("ok");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Flaky API");
    await page.screenshot({ path: `${artifacts}glance-focus-kept.png` });
  }, 60_000);

  it("renders only the rows near the viewport of a long group, and scrolls and filters through all of them", async () => {
    const big = page.locator("section.group", { hasText: "Big" });
    await expect.poll(() => big.locator("table").getAttribute("aria-rowcount")).toBe(String(bigCount + 1));
    const inDom = await big.locator("tr.row").count();
    expect(inDom).toBeGreaterThan(0);
    expect(inDom).toBeLessThan(bigCount);
    expect(await page.getByRole("link", { name: "check-149", exact: true }).count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await expect.poll(() => page.getByRole("link", { name: "check-149", exact: true }).count()).toBe(1);
    expect(await big.locator("tr.row").count()).toBeLessThan(bigCount);
    await page.screenshot({ path: `${artifacts}glance-virtual-end.png` });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByLabel("Search").fill("check-14");
    await expect.poll(() => big.locator("tr.row").count()).toBe(10);
    await page.getByLabel("Search").fill("check-149");
    await expect.poll(() => big.locator("tr.row").count()).toBe(1);
    await page.getByLabel("Search").fill("");
    await expect.poll(() => big.locator("tr.row").count()).toBeLessThan(bigCount);
  }, 60_000);

  it("follows the system's dark mode, with contrast that passes axe", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${server.url}/ui/`);
    await expect.poll(() => statusOf(page, "Down API").textContent(), { timeout: 15_000 }).toBe("critical");
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe("rgb(15, 17, 21)");
    await page.screenshot({ path: `${artifacts}glance-overview-dark.png` });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: "light" });
  }, 60_000);

  it("on a monitor page: skip link stays, no repeated value chart, a readable axis spanning the chosen range", async () => {
    await page.goto(`${server.url}/ui/#/monitor/Glance/${encodeURIComponent("Healthy API")}`);
    await expect.poll(() => page.locator("h1").textContent()).toBe("Healthy API");
    const chart = page.locator(".chart").first();
    await expect.poll(() => chart.getAttribute("data-x-ticks"), { timeout: 10_000 }).toBeTruthy();
    // Six hours: clock times, never ":44.500".
    const ticks = (await chart.getAttribute("data-x-ticks"))!.split("|");
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) expect(tick).toMatch(/^((\d{1,2} \w{3}|\w{3} \d{1,2}), )?\d\d:\d\d$/);
    expect(await page.locator(".note").textContent()).toContain("The last 6 hours");
    // HTTP's value is its latency: no second chart repeating it.
    expect(await page.getByRole("heading", { name: "Value" }).count()).toBe(0);
    await page.getByLabel("Range").selectOption({ label: "Last 7 days" });
    await expect.poll(() => page.locator(".note").textContent()).toContain("The last 7 days");
    // Seven days: the date at each midnight (in the browser's locale), the hour between.
    await expect
      .poll(async () => (await chart.getAttribute("data-x-ticks"))!.split("|"))
      .toContainEqual(expect.stringMatching(/^(\d{1,2} \w{3}|\w{3} \d{1,2})$/));
    for (const tick of (await chart.getAttribute("data-x-ticks"))!.split("|"))
      expect(tick).toMatch(/^(\d{1,2} \w{3}|\w{3} \d{1,2}|\d\d:\d\d)$/);
    // "Skip to content" moves focus to the content and stays on this page.
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    expect(await page.locator("h1").textContent()).toBe("Healthy API");
    expect(page.url()).toContain("#/monitor/Glance/");
    await page.screenshot({ path: `${artifacts}glance-monitor.png`, fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);
  }, 60_000);

  it("the cluster page passes axe; the server serves /favicon.ico; the status page logs no error", async () => {
    await page.goto(`${server.url}/ui/#/cluster`);
    await expect.poll(() => page.locator("main").textContent()).toContain("leader");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${artifacts}glance-cluster.png` });
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/x-icon");
    expect([...new Uint8Array(await icon.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]);
    const status = await browser.newPage();
    const errors: string[] = [];
    status.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
    status.on("response", (r) => (r.status() >= 400 ? errors.push(`${r.status()} ${r.url()}`) : undefined));
    await status.goto(`${server.url}/status/tag/public`, { waitUntil: "networkidle" });
    expect(errors).toEqual([]);
    await status.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
