import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenEntry } from "../src/access/tokensFile.js";
import { artifacts, launchChromium, seriousAxeViolations } from "./browser.js";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// The dashboard's incidents in a real Chromium against one real server: a failing monitor's incident on the
// Incidents page, acknowledged, silenced and given a maintenance from the UI (the API then shows them), a
// silence expired, and no buttons for a read-only token or another team's.

const work = mkdtempSync(join(tmpdir(), "amstaff-incidents-ui-"));
const tokensFile = join(work, "tokens.json");
const tokens = {
  operate: createTokenEntry(tokensFile, { name: "pay-operate", team: "payments", role: "operate" }).token,
  read: createTokenEntry(tokensFile, { name: "pay-read", team: "payments", role: "read" }).token,
  otherTeam: createTokenEntry(tokensFile, { name: "search-operate", team: "search", role: "operate" }).token,
};

const moduleSource = (targetUrl: string, hookUrl: string) => `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Payments", (m) => {
  m.monitor("Checkout API", {
    sampler: httpGet({ url: "${targetUrl}/health", okStatus: [200] }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/hook" })],
  });
});
`;

describe("incidents in the dashboard, in a real Chromium", () => {
  let browser: Browser;
  const server = new ServerProcess(undefined, { args: ["--tokens-file", tokensFile] });
  let target: Awaited<ReturnType<typeof startTarget>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    target = await startTarget();
    receiver = await startReceiver();
    target.status = 500;
    await server.start();
    const pushed = await server.api("/monitor?team=payments", {
      method: "POST",
      body: moduleSource(target.url, receiver.url),
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server[Symbol.asyncDispose]();
    await target?.[Symbol.asyncDispose]();
    await receiver?.[Symbol.asyncDispose]();
    rmSync(work, { recursive: true, force: true });
  });

  /** A new tab signed in with `token`, on the Incidents page, and the console errors it logs. */
  async function signedIn(token: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${server.url}/ui/`);
    await page.getByLabel("Token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Incidents" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Incidents");
    return { context, page, problems };
  }

  const incidentCard = (page: Page) =>
    page.locator("article.incident", { has: page.getByRole("link", { name: "Checkout API" }) }).first();

  it("shows the open incident, and acknowledges, silences and schedules a maintenance from the UI", async () => {
    const { context, page, problems } = await signedIn(tokens.operate);
    const card = incidentCard(page);
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain("Opened");
    expect(await card.locator(".badge").first().textContent()).toBe("open");
    expect(await card.locator(".timeline").textContent()).toContain("Opened");
    await page.screenshot({ path: `${artifacts}incidents-open.png`, fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Acknowledge: the page says who, and so does the API.
    await card.getByRole("button", { name: "Acknowledge the incident of Checkout API" }).click();
    await expect.poll(() => card.textContent()).toContain("acknowledged by pay-operate (team payments)");
    // The card was re-rendered: the focus stays on it, and screen readers hear what happened.
    expect(await page.evaluate(() => document.activeElement?.closest("article.incident") !== null)).toBe(
      true,
    );
    expect(await page.locator(".sr-only[role=status]").textContent()).toBe(
      "Acknowledged the incident of Checkout API.",
    );
    const listed = (await server.api("/incidents?module=Payments")).body.incidents[0];
    expect(listed).toMatchObject({ state: "acknowledged", acknowledged: { name: "pay-operate" } });

    // Silence for 2 hours, by keyboard only: the disclosure, the fields and the submit.
    await card.locator("summary", { hasText: "Silence…" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    await page.keyboard.press("ArrowDown"); // 1 hour → 2 hours
    await page.keyboard.press("Tab");
    await page.keyboard.type("deploying a fix");
    await page.keyboard.press("Enter");
    const silence = await eventually(async () => {
      const active = (await server.api("/silences")).body as any[];
      return active.find((s) => s.reason === "deploying a fix");
    });
    expect(silence).toMatchObject({
      module: "Payments",
      scope: { monitors: ["Checkout API"] },
      by: "pay-operate",
    });
    expect(silence.until - silence.from).toBe(2 * 3_600_000);
    await expect.poll(() => card.locator(".timeline").textContent()).toContain("Silenced by pay-operate");

    // On the monitor page: a maintenance, refused in place when it ends before it starts, then scheduled.
    await card.getByRole("link", { name: "Checkout API" }).click();
    const section = page.locator("section.monitor-incidents");
    await section.locator("summary", { hasText: "Schedule maintenance…" }).first().click();
    const form = section.getByRole("form", { name: "Schedule maintenance for Checkout API" });
    const local = (t: number) =>
      new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    const start = Date.now() + 86_400_000;
    await form.getByLabel("Start").fill(local(start));
    await form.getByLabel("End").fill(local(start - 3_600_000));
    await form.getByRole("button", { name: "Schedule" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("ends before it starts");
    await form.getByLabel("End").fill(local(start + 2 * 3_600_000));
    await form.getByLabel("Covers").selectOption("module");
    await form.getByLabel("Comment").fill("database upgrade");
    await form.getByRole("button", { name: "Schedule" }).click();
    const maintenance = await eventually(async () => {
      const all = (await server.api("/silences?all=true")).body as any[];
      return all.find((s) => s.reason === "database upgrade");
    });
    expect(maintenance).toMatchObject({ module: "Payments", scope: {}, by: "pay-operate" });
    expect(maintenance.from).toBeGreaterThan(Date.now());
    await expect.poll(() => section.locator("table").textContent()).toContain("(scheduled)");
    await page.screenshot({ path: `${artifacts}incidents-monitor.png`, fullPage: true });

    // Expire the silence: it ends now.
    await section.getByRole("button", { name: new RegExp(`^Expire the silence ${silence.id}`) }).click();
    await eventually(async () =>
      ((await server.api("/silences")).body as any[]).some((s) => s.id === silence.id) ? undefined : true,
    );
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("shows no buttons to a read-only token, nor to another team's, whose calls the API refuses", async () => {
    for (const [who, token] of [
      ["read", tokens.read],
      ["other team", tokens.otherTeam],
    ] as const) {
      const { context, page, problems } = await signedIn(token);
      const card = incidentCard(page);
      await expect
        .poll(() => card.textContent(), { timeout: 20_000 })
        .toContain("acknowledged by pay-operate");
      expect(await page.locator("main .action, main .actions, main form").count(), who).toBe(0);
      await card.getByRole("link", { name: "Checkout API" }).click();
      await expect.poll(() => page.locator("section.monitor-incidents table").count()).toBe(1);
      expect(
        await page.locator("section.monitor-incidents button, section.monitor-incidents form").count(),
      ).toBe(0);
      if (who === "read") {
        await page.getByRole("link", { name: "Incidents" }).click();
        await expect.poll(() => incidentCard(page).textContent()).toContain("acknowledged");
        await page.screenshot({ path: `${artifacts}incidents-read-only.png`, fullPage: true });
        // A phone: the timeline and the silences stack, nothing scrolls sideways.
        await page.setViewportSize({ width: 375, height: 800 });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        await page.screenshot({ path: `${artifacts}incidents-phone.png`, fullPage: true });
      }
      expect(problems, who).toEqual([]);
      await context.close();
      const refused = await server.api("/silences", {
        method: "POST",
        token,
        body: JSON.stringify({ module: "Payments", for: "1h" }),
      });
      expect(refused.status, who).toBe(403);
    }
  }, 90_000);
});
