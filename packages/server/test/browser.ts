// Debian's Chromium for the browser tests (browsers cannot be downloaded here; the test command
// installs this one: see vitest.config.ts), and the accessibility pass they share.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const chromiumPath = process.env.AMSTAFF_CHROMIUM ?? "/usr/bin/chromium";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let axeSource: string | undefined;

/** Where the browser tests save their screenshots: the CI keeps `test-results/` as an artifact. */
export const artifacts = fileURLToPath(new URL("../test-results/", import.meta.url));

/** Launches Chromium headless, after making sure it and the screenshots' folder are there. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: apt-get install -y chromium (or set AMSTAFF_CHROMIUM)`);
  }
  mkdirSync(artifacts, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
}

/** The serious and critical violations axe-core finds on the page as it is now, one line each. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the pages' CSP (rightly refusing an injected script
  // tag) does not govern.
  axeSource ??= readFileSync(axePath, "utf8");
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: any[] }> } })
      .axe;
    return (await axe.run(document)).violations.map((v) => ({
      id: v.id as string,
      impact: v.impact as string,
      help: v.help as string,
      targets: (v.nodes as { target: string[] }[]).slice(0, 5).map((n) => n.target.join(" ")),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(", ")})`);
}
