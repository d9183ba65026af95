import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, launchChromium, seriousAxeViolations } from "./browser.js";
import { startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

const cli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));

const moduleSource = (targetUrl: string) => `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Payments", (m) => {
  m.monitor("Checkout API", {
    sampler: httpGet({ url: "${targetUrl}/checkout", okStatus: [200] }),
    timing: every("1s"),
    tags: ["public", "checkout"],
  });
  m.monitor("Refunds API", {
    sampler: httpGet({ url: "${targetUrl}/refunds", okStatus: [200] }),
    timing: every("1s"),
    tags: ["public", "refunds"],
  });
});
`;

const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="#3b5bdb"/></svg>`;

/** Every console error, uncaught exception and failed request of a page. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => problems.push(`failed ${r.url()}`));
  return problems;
}

/** The serious and critical axe-core violations of the page at `url`, in a page of its own. */
async function axeViolations(context: BrowserContext, url: string): Promise<string[]> {
  const page = await context.newPage();
  await page.goto(url);
  const violations = await seriousAxeViolations(page);
  await page.close();
  return violations;
}

describe("status pages, in a real Chromium against a real server", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("publishes a page set with the CLI, with bars, incidents, JSON and badges, clean in light and dark", async () => {
    await using target = await startTarget();
    target.statusOf.set("/refunds", 500);
    await using server = new ServerProcess(undefined, { args: ["--status-page", "tag:public"] });
    await server.start();
    expect((await server.api("/monitor", { method: "POST", body: moduleSource(target.url) })).status).toBe(
      201,
    );

    // The page, from a file with a logo beside it, through the real `amstaff` CLI.
    const work = mkdtempSync(join(tmpdir(), "amstaff-status-page-"));
    writeFileSync(join(work, "logo.svg"), logo);
    writeFileSync(
      join(work, "page.json"),
      JSON.stringify({
        slug: "acme",
        title: "Acme Payments",
        description: "Live status of the payment services.",
        logo: { file: "logo.svg" },
        groups: [
          {
            name: "Payments",
            components: [
              { name: "Checkout", description: "Card and wallet payments", select: ["tag:checkout"] },
              { name: "Refunds", select: ["tag:refunds"] },
            ],
          },
        ],
      }),
    );
    const env = { ...process.env, AMSTAFF_URL: server.url, AMSTAFF_TOKEN: server.token };
    const set = spawnSync(process.execPath, [cli, "status-page", "set", join(work, "page.json")], {
      env,
      encoding: "utf8",
    });
    rmSync(work, { recursive: true, force: true });
    expect(set.stdout).toContain("published status page acme");
    expect(set.status).toBe(0);
    // The on-call posts the incident with the CLI too.
    const posted = spawnSync(
      process.execPath,
      [
        cli,
        "status-page",
        "post",
        "acme",
        "--title",
        "Refunds are failing",
        "--message",
        "Refunds return errors; we are looking into it.",
        "--impact",
        "major",
        "--component",
        "Refunds",
        "--json",
      ],
      { env, encoding: "utf8" },
    );
    expect(posted.status).toBe(0);
    const incident = { body: JSON.parse(posted.stdout) as { id: string; status: string } };
    expect(incident.body.status).toBe("investigating");
    const update = await server.api(`/status-pages/acme/incidents/${incident.body.id}/updates`, {
      method: "POST",
      body: JSON.stringify({
        status: "identified",
        message: "A bad deploy of the refunds service; rolling back.",
      }),
    });
    expect(update.status).toBe(200);
    expect(
      (
        await server.api("/status-pages/acme/incidents", {
          method: "POST",
          body: JSON.stringify({
            kind: "maintenance",
            title: "Database upgrade",
            message: "Checkout may be slow for a few minutes.",
            startsAt: "2030-01-05T06:00:00Z",
            endsAt: "2030-01-05T07:00:00Z",
          }),
        })
      ).status,
    ).toBe(201);

    // Both monitors settled and their samples written, before the first view caches the day bars.
    await eventually(
      async () => {
        const monitors = (await server.api("/monitors")).body as { monitor: string; status: string }[];
        const status = (name: string) => monitors.find((m) => m.monitor === name)?.status;
        return status("Checkout API") === "ok" && status("Refunds API") === "critical" ? true : undefined;
      },
      30_000,
      "the monitors to settle",
    );
    await eventually(
      async () => {
        const samples = (await server.api("/modules/Payments/monitors/Refunds%20API/samples")).body;
        return samples.samples?.length > 0 ? true : undefined;
      },
      15_000,
      "samples in the history",
    );

    const today = new Date().toISOString().slice(0, 10);
    const light = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "light" });
    const view = await light.newPage();
    const problems = watch(view);
    const response = await view.goto(`${server.url}/status/acme`);
    expect(response?.status()).toBe(200);
    await expect(view.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Acme Payments");
    expect(
      await view.locator("img.logo").evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBeGreaterThan(0);
    expect(await view.locator(".summary").textContent()).toBe("Some systems down");
    const refunds = view.locator(".component", { hasText: "Refunds" });
    expect(await refunds.locator(".st").textContent()).toBe("Down");
    expect(await refunds.locator(".day").count()).toBe(90);
    const todayBar = refunds.locator(".day").last();
    expect(await todayBar.getAttribute("class")).toContain("d-down");
    // Keyboard focus shows the day and its uptime, as hover does.
    await todayBar.focus();
    const tip = await todayBar.evaluate((el) => getComputedStyle(el, "::after").content);
    expect(tip).toContain(today);
    expect(tip).toContain("0.00% up");
    const notes = view.locator("article.note");
    expect(await notes.first().locator("h3").textContent()).toBe("Refunds are failing");
    // Updates newest first.
    expect(await notes.first().locator(".updates li strong").allTextContents()).toEqual([
      "Identified",
      "Investigating",
    ]);
    expect(await view.locator("article.note.maintenance").textContent()).toContain("2030-01-05 06:00 UTC");
    await view.screenshot({ path: `${artifacts}status-page-light.png`, fullPage: true });
    await view.goto(`${server.url}/status/tag/public`);
    expect(await view.locator("h1").textContent()).toBe("Status: public");
    await light.close();

    const dark = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
    const phone = await dark.newPage();
    problems.push(...watch(phone));
    await phone.goto(`${server.url}/status/acme`);
    const background = await phone.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(17, 20, 24)");
    // A phone shows the last 30 days.
    expect(await phone.locator(".component").first().locator(".day:visible").count()).toBe(30);
    await phone.screenshot({ path: `${artifacts}status-page-dark-phone.png`, fullPage: true });
    await dark.close();
    expect(problems).toEqual([]);

    for (const colorScheme of ["light", "dark"] as const) {
      const context = await browser.newContext({ colorScheme });
      expect(await axeViolations(context, `${server.url}/status/acme`)).toEqual([]);
      await context.close();
    }

    const json = await fetch(`${server.url}/status/acme.json`);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await json.json();
    expect(body.groups[0].components.map((c: { status: string }) => c.status)).toEqual(["ok", "down"]);
    const badge = await fetch(`${server.url}/badge/acme/Refunds/uptime.svg?days=30`);
    expect(badge.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(await badge.text()).toContain("uptime 30d: 0.00%");
    expect(await (await fetch(`${server.url}/badge/acme/status.svg`)).text()).toContain("status: down");
  }, 120_000);
});
