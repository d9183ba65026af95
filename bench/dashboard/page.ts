// What the dashboard benchmarks measure in the page (Debian's Chromium, driven by playwright-core): the
// time from navigation to every module group rendered, and the filters' latency. Shared by `dashboard.ts`
// (a real server sampling real monitors) and `overview.ts --browser` (the same routes in process, over a
// state with full sample rings).
import type { Page } from "playwright-core";

/** A percentile of `samples` (nearest rank). */
export const quantile = (samples: number[], q: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
/** Milliseconds as the tables print them. */
export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/**
 * Navigates to the overview `loads` times (the sign-in skipped: the token must be in the tab's session
 * already) and waits each time for `groups` module groups and the page no longer busy. Returns each
 * load's wall time and the overview script's own `amstaff:render` measure.
 */
export async function measureNavigation(
  page: Page,
  url: string,
  groups: number,
  loads: number,
): Promise<{ loads: number[]; renders: number[] }> {
  const times: number[] = [];
  const renders: number[] = [];
  for (let i = 0; i < loads; i++) {
    const started = performance.now();
    await page.goto(`${url}/ui/`);
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll(".group").length === count &&
        document.getElementById("main")?.getAttribute("aria-busy") === "false",
      groups,
      { timeout: 60_000, polling: "raf" },
    );
    times.push(performance.now() - started);
    renders.push(
      await page.evaluate(
        () => performance.getEntriesByName("amstaff:render").at(-1)?.duration ?? Number.NaN,
      ),
    );
  }
  return { loads: times, renders };
}

/**
 * The overview's filters, five times each: the filter pass's own User Timing measure and the time to the
 * next frame, recorded as one row per filter. `tag` names a tag the monitors carry.
 */
export async function measureFilters(
  page: Page,
  tag: string,
  record: (row: [string, string]) => void,
): Promise<void> {
  // page.evaluate's code runs outside the page's CSP, but a Function built inside the page would not.
  const filter = async (label: string, apply: { id: string; value: string; event: "change" | "input" }) => {
    const script: number[] = [];
    const frame: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await page.evaluate(async ({ id, value, event }) => {
        performance.clearMeasures("amstaff:filter");
        const started = performance.now();
        const element = document.getElementById(id) as HTMLInputElement;
        element.value = value;
        element.dispatchEvent(new Event(event));
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        const measures = performance.getEntriesByName("amstaff:filter");
        return {
          frame: performance.now() - started,
          script: measures.reduce((sum, m) => sum + m.duration, 0),
          shown: document.querySelectorAll(".group:not([hidden]) .group-panel:not([hidden]) tr.row").length,
        };
      }, apply);
      script.push(result.script);
      frame.push(result.frame);
      if (i === 4)
        record([
          `filter: ${label} (${result.shown} rows shown) script / to next frame`,
          `${ms(quantile(script, 0.5))} / ${ms(quantile(frame, 0.5))}`,
        ]);
      await page.evaluate(() => {
        const s = document.getElementById("filter-status") as HTMLSelectElement;
        const t = document.getElementById("filter-tag") as HTMLSelectElement;
        const q = document.getElementById("filter-text") as HTMLInputElement;
        s.value = "";
        t.value = "";
        q.value = "";
        s.dispatchEvent(new Event("change"));
      });
    }
  };
  await filter("status = ok", { id: "filter-status", value: "ok", event: "change" });
  await filter(`tag = ${tag}`, { id: "filter-tag", value: tag, event: "change" });
  await filter("status = failing", { id: "filter-status", value: "failing", event: "change" });
  await filter('text "check-42"', { id: "filter-text", value: "check-42", event: "input" });
}

/** Prints the rows as a markdown table. */
export function printTable(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(
    [
      `| ${"measure".padEnd(width)} | result |`,
      `|${"-".repeat(width + 2)}|---|`,
      ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`),
      "",
    ].join("\n"),
  );
}
