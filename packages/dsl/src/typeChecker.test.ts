/**
 * Type-checking against the real, installed plugin packages: their declarations come from their built
 * `dist/` (the "types" condition), as on a server installed from npm.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webhookPlugin } from "@amstaff/handler-webhook";
import { httpPlugin } from "@amstaff/sampler-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompileError, createCompiler } from "./compiler.js";

const compiler = createCompiler({ filename: "user-service.ts", plugins: [httpPlugin, webhookPlugin] });

const header = `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";
`;

function positionOf(source: string, needle: string): { line: number; column: number } {
  const index = source.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in source`);
  const before = source.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

async function errorsOf(source: string): Promise<CompileError[]> {
  const result = await compiler.compile(source);
  if (result.ok) throw new Error("expected the compile to fail");
  return result.errors;
}

beforeAll(() => compiler.warm(), 60_000);

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe("type-checking with the installed plugins", () => {
  it("accepts a module written with @amstaff/sampler-http and @amstaff/handler-webhook", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health", {
    sampler: httpGet({ url: "http://user-service/health", okStatus: [200, 201], latency: { warning: 500 } }),
    timing: every("30s"),
    handlers: [webhook({ url: "https://hooks.example.com/amstaff", headers: { authorization: secret("HOOK") } })],
  });
});
`;
    const result = await compiler.compile(source);
    expect(result.ok && result.definition.monitors[0]?.sampler.plugin).toBe("@amstaff/sampler-http");
  });

  it("refuses an unknown plugin option at the option, with the plugin's own type name", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health", {
    sampler: httpGet({ url: "http://user-service/health", okStatuses: [200] }),
    timing: every("30s"),
  });
});
`;
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "type", ...positionOf(source, "okStatuses") });
    expect(error?.message).toMatch(/'okStatuses' does not exist in type/);
  });

  it("refuses a plugin option of the wrong type", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health", { sampler: httpGet({ url: 42 }), timing: every("30s") });
  m.monitor("Hook", {
    sampler: httpGet({ url: "http://x.example" }),
    timing: every("30s"),
    handlers: [httpGet({ url: "http://not-a-handler.example" }), webhook({ url: "http://h.example", method: "GET" })],
  });
});
`;
    const errors = await errorsOf(source);
    expect(errors.map(({ code, line, column }) => ({ code, line, column }))[0]).toEqual({
      code: "type",
      ...positionOf(source, "url: 42"),
    });
    expect(errors[0]?.message).toBe("Type 'number' is not assignable to type 'string'.");
    expect(errors.some((e) => e.line === positionOf(source, 'method: "GET"').line)).toBe(true);
  });

  it("type-checks module-level defaults and monitors that rely on them", async () => {
    const source = `${header}
const hook = webhook({ url: "https://hooks.example.com/amstaff" });

export default amstaff("User Service", { defaults: { timing: every("1m"), handlers: [hook], tags: ["team8"] } }, (m) => {
  m.monitor("Health", { sampler: httpGet({ url: "http://user-service/health" }) });
  m.monitor("Login", { sampler: httpGet({ url: "http://user-service/login" }), timing: every("5m"), tags: ["slow"] });
});
`;
    const result = await compiler.compile(source);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(
      result.definition.monitors.map((m) => ({
        tags: m.tags,
        every: m.schedule,
        handlers: m.handlers.length,
      })),
    ).toEqual([
      { tags: ["team8"], every: { kind: "interval", every: "1m" }, handlers: 1 },
      { tags: ["team8", "slow"], every: { kind: "interval", every: "5m" }, handlers: 1 },
    ]);
  });

  it("refuses a monitor without timing when the defaults give none, at the options", async () => {
    const source = `${header}
export default amstaff("User Service", { defaults: { tags: ["team8"] } }, (m) => {
  m.monitor("Health", { sampler: httpGet({ url: "http://user-service/health" }) });
});
`;
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "type", ...positionOf(source, "{ sampler") });
    expect(error?.message).toMatch(/Property 'timing' is missing/);
  });

  it("reports an invalid default duration, the one the types cannot see, at each monitor", async () => {
    const source = `${header}
export default amstaff("User Service", { defaults: { timeout: "1.5ms" } }, (m) => {
  m.monitor("Health", { sampler: httpGet({ url: "http://user-service/health" }), timing: every("30s") });
});
`;
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "validation", line: positionOf(source, "m.monitor(").line });
    expect(error?.message).toMatch(/^monitor "Health": timeout: Invalid duration "1.5ms"/);
  });

  it("resolves plugins from resolveFrom, falling back to the packages beside @amstaff/dsl", async () => {
    const empty = mkdtempSync(join(tmpdir(), "amstaff-resolve-"));
    temporary.push(empty);
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health", { sampler: httpGet({ url: "http://x.example", okStatuses: [200] }), timing: every("30s") });
});
`;
    const result = await compiler.compile(source, { resolveFrom: empty });
    expect(!result.ok && result.errors[0]?.message).toMatch(/'okStatuses' does not exist/);
  });
});
