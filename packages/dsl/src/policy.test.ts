import { describe, expect, it } from "vitest";
import { plugins } from "./__tests__/plugins.js";
import { type CompileError, compileModule } from "./compiler.js";

const header = `import { amstaff, every, policy, type MonitorRef } from "@amstaff/dsl";
import { probeIt } from "test-sampler";
import { notify } from "test-handler";
`;

async function compile(source: string) {
  return compileModule(source, { filename: "payments.ts", plugins });
}

async function errorsOf(source: string): Promise<CompileError[]> {
  const result = await compile(source);
  if (result.ok) throw new Error("expected the compile to fail");
  return result.errors;
}

const lineOf = (source: string, needle: string) => source.slice(0, source.indexOf(needle)).split("\n").length;

describe("alert policies in module files", () => {
  it("compiles a policy, dependencies and maintenance windows into plain data", async () => {
    const source = `${header}
const team = notify({ url: "https://hooks.example.com/team" });
const pager = notify({ url: "https://hooks.example.com/pager" });
const paging = policy({
  open: { failures: 3, within: "10m" },
  resolve: { consecutive: 2 },
  unknown: "ignore",
  notify: { warning: [team], critical: [team, pager] },
  escalate: [{ after: "15m", notify: [notify({ url: "https://hooks.example.com/manager" })] }],
  renotify: "1h",
  flapping: { samples: 10, high: 0.5, low: 0.2 },
});

export default amstaff("Payments", { defaults: { timing: every("30s"), policy: paging } }, (m) => {
  const db = m.monitor("Database", { sampler: probeIt({ url: "http://db" }) });
  const api = m.monitor("API", { sampler: probeIt({ url: "http://api" }), dependsOn: [db], renotify: "30m" });
  m.monitor("Batch", { sampler: probeIt({ url: "http://batch" }), policy: policy({ open: { failures: 2, of: 4 } }) });
  m.maintenance("Sunday deploys", { cron: "0 2 * * 0", duration: "2h", timezone: "Europe/Berlin", monitors: [api] });
  m.maintenance("Migration", { from: "2026-12-01T22:00:00Z", to: "2026-12-02T02:00:00+01:00", tags: ["db"] });
});
`;
    const result = await compile(source);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const [database, api, batch] = result.definition.monitors;
    expect(database).toMatchObject({
      open: { failures: 3, withinMs: 600_000 },
      resolve: 2,
      unknown: "ignore",
      flapping: { samples: 10, high: 0.5, low: 0.2 },
      renotifyMs: 3_600_000,
      dependsOn: [],
    });
    // The team's handler is one handler routed to both statuses, so it gets one resolve.
    expect(database?.handlers).toEqual([
      {
        plugin: "test-handler",
        options: { url: "https://hooks.example.com/team", headers: {} },
        on: { to: ["warning", "critical"] },
      },
      {
        plugin: "test-handler",
        options: { url: "https://hooks.example.com/pager", headers: {} },
        on: { to: ["critical"] },
      },
      {
        plugin: "test-handler",
        options: { url: "https://hooks.example.com/manager", headers: {} },
        afterMs: 900_000,
      },
    ]);
    expect(api).toMatchObject({ dependsOn: ["Database"], renotifyMs: 1_800_000 });
    expect(batch).toMatchObject({ open: { failures: 2, samples: 4 }, handlers: [], unknown: "unknown" });
    expect(result.definition.maintenance).toEqual([
      {
        name: "Sunday deploys",
        timing: { kind: "cron", expression: "0 2 * * 0", timezone: "Europe/Berlin", durationMs: 7_200_000 },
        scope: { monitors: ["API"] },
      },
      {
        name: "Migration",
        timing: {
          kind: "once",
          from: Date.parse("2026-12-01T22:00:00Z"),
          to: Date.parse("2026-12-02T01:00:00Z"),
        },
        scope: { tags: ["db"] },
      },
    ]);
  });

  it("refuses a dependency given as a string at type-check, and a forged one or a cycle at the monitor", async () => {
    const stringly = `${header}
export default amstaff("Payments", (m) => {
  m.monitor("API", { sampler: probeIt({ url: "http://api" }), timing: every("30s"), dependsOn: ["Database"] });
});
`;
    const [typeError] = await errorsOf(stringly);
    expect(typeError).toMatchObject({ code: "type", line: lineOf(stringly, '"Database"') });

    const forged = `${header}
const ghost = { module: "Payments", name: "Ghost" } as unknown as MonitorRef;
export default amstaff("Payments", (m) => {
  m.monitor("API", { sampler: probeIt({ url: "http://api" }), timing: every("30s"), dependsOn: [ghost] });
  m.monitor("A", { sampler: probeIt({ url: "http://a" }), timing: every("30s"), dependsOn: [{ module: "Payments", name: "B" } as unknown as MonitorRef] });
  m.monitor("B", { sampler: probeIt({ url: "http://b" }), timing: every("30s"), dependsOn: [{ module: "Payments", name: "A" } as unknown as MonitorRef] });
});
`;
    const errors = await errorsOf(forged);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [
        lineOf(forged, 'm.monitor("API"'),
        'monitor "API": dependsOn.0: depends on "Ghost", which is not a monitor of module "Payments"',
      ],
      [lineOf(forged, 'm.monitor("A"'), 'monitor "A": dependsOn: dependency cycle: "A" → "B" → "A"'],
    ]);
  });

  it("refuses a dependency on another module's monitor where it is given", async () => {
    const source = `${header}
let other: MonitorRef | undefined;
amstaff("Other", (m) => { other = m.monitor("X", { sampler: probeIt({ url: "http://x" }), timing: every("30s") }); });
export default amstaff("Payments", (m) => {
  m.monitor("API", { sampler: probeIt({ url: "http://api" }), timing: every("30s"), dependsOn: [other!] });
});
`;
    const [error] = await errorsOf(source);
    expect(error?.line).toBe(lineOf(source, 'm.monitor("API"'));
    expect(error?.message).toContain(
      '"X" is a monitor of module "Other"; dependencies and windows stay within one module',
    );
  });

  it("reports a bad maintenance window at its line", async () => {
    const source = `${header}
export default amstaff("Payments", (m) => {
  m.monitor("API", { sampler: probeIt({ url: "http://api" }), timing: every("30s") });
  m.maintenance("Nights", { cron: "0 25 * * *", duration: "2h" });
  m.maintenance("Once", { from: "tomorrow", to: "2026-12-02T02:00:00Z" });
  m.maintenance("Backwards", { from: "2026-12-02T02:00:00Z", to: "2026-12-01T02:00:00Z" });
});
`;
    const errors = await errorsOf(source);
    expect(errors.map((e) => e.line)).toEqual([
      lineOf(source, '"Nights"'),
      lineOf(source, '"Once"'),
      lineOf(source, '"Backwards"'),
    ]);
    expect(errors[1]?.message).toContain('from: "tomorrow" is not an ISO 8601 date');
    expect(errors[2]?.message).toBe('maintenance window "Backwards": timing: a window ends after it starts');
  });
});
