import type { SecretCheck, SecretRequester } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { plugins } from "./__tests__/plugins.js";
import {
  type CompileError,
  type CompileOptions,
  type CompileResult,
  compileModule,
  formatCompileErrors,
} from "./compiler.js";

const header = `import { amstaff, cron, every, secret } from "@amstaff/dsl";
import { probeIt } from "test-sampler";
import { notify } from "test-handler";
`;

function compile(source: string, options: Partial<CompileOptions> = {}): Promise<CompileResult> {
  return compileModule(source, { filename: "user-service.ts", plugins, ...options });
}

async function errorsOf(source: string, options: Partial<CompileOptions> = {}): Promise<CompileError[]> {
  const result = await compile(source, options);
  if (result.ok) throw new Error("expected the compile to fail");
  return result.errors;
}

/** The 1-based line and column of the first occurrence of `needle` in `source`. */
function positionOf(source: string, needle: string): { line: number; column: number } {
  const index = source.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in source`);
  const before = source.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function lineOf(source: string, needle: string): number {
  return positionOf(source, needle).line;
}

function monitor(
  body = `sampler: probeIt({ url: "http://user-service/health" }), timing: every("30s")`,
): string {
  return `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health-Check Failed", { ${body} });
});
`;
}

describe("compileModule", () => {
  it("compiles a module file into a validated definition", async () => {
    const source = `${header}
// The user service's monitors.
export default amstaff("User Service", (m) => {
  m.monitor("Health-Check Failed", {
    sampler: probeIt({ url: "http://user-service/health", okStatus: [200, 201] }),
    timing: every("30s"),
    handlers: [notify({ url: "https://hooks.example.com/amstaff", headers: { authorization: secret("HOOK_TOKEN") } })],
    tags: ["production", "user-service", "team8"],
    consecutive: 2,
    timeout: "5s",
  });
  m.monitor("Nightly", { sampler: probeIt({ url: "http://user-service/report" }), timing: cron("0 3 * * *", { timezone: "Europe/Berlin" }) });
});
`;
    expect(await compile(source)).toEqual({
      ok: true,
      definition: {
        name: "User Service",
        monitors: [
          {
            name: "Health-Check Failed",
            tags: ["production", "user-service", "team8"],
            schedule: { kind: "interval", every: "30s" },
            sampler: {
              plugin: "test-sampler",
              options: { url: "http://user-service/health", okStatus: [200, 201] },
            },
            handlers: [
              {
                plugin: "test-handler",
                options: {
                  url: "https://hooks.example.com/amstaff",
                  headers: { authorization: { $secret: "HOOK_TOKEN" } },
                },
              },
            ],
            consecutive: 2,
            timeoutMs: 5000,
            unknown: "unknown",
            dependsOn: [],
          },
          {
            name: "Nightly",
            tags: [],
            schedule: { kind: "cron", expression: "0 3 * * *", timezone: "Europe/Berlin" },
            sampler: {
              plugin: "test-sampler",
              options: { url: "http://user-service/report", okStatus: [200] },
            },
            handlers: [],
            consecutive: 1,
            timeoutMs: 10_000,
            unknown: "unknown",
            dependsOn: [],
          },
        ],
        maintenance: [],
      },
    });
  });

  it("routes handlers with only() and converts renotify", async () => {
    const source = `import { amstaff, every, only } from "@amstaff/dsl";
import { probeIt } from "test-sampler";
import { notify } from "test-handler";

export default amstaff("Payments", (m) => {
  m.monitor("API", {
    sampler: probeIt({ url: "http://payments/health" }),
    timing: every("30s"),
    handlers: [notify({ url: "https://chat.example.com" }), only(notify({ url: "https://pager.example.com" }), { to: ["critical"] })],
    renotify: "30m",
  });
});
`;
    const result = await compile(source);
    if (!result.ok) throw new Error(formatCompileErrors(result.errors));
    const [monitor] = result.definition.monitors;
    expect(monitor?.renotifyMs).toBe(1_800_000);
    expect(monitor?.handlers.map((h) => h.on)).toEqual([undefined, { to: ["critical"] }]);
    expect(monitor?.handlers[1]).toMatchObject({
      plugin: "test-handler",
      options: { url: "https://pager.example.com" },
    });
  });

  it("reports a route to an unknown status and a too-frequent renotify at the monitor", async () => {
    const source = monitor(
      `sampler: probeIt({ url: "http://x/health" }), timing: every("30s"), renotify: "10s", handlers: [only(notify({ url: "https://x.example.com" }), { to: ["broken" as never] })]`,
    ).replace("import { amstaff, cron, every, secret }", "import { amstaff, cron, every, only, secret }");
    const errors = await errorsOf(source, { typeCheck: false });
    const line = lineOf(source, "m.monitor(");
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [line, "validation"],
      [line, "validation"],
    ]);
    expect(errors.map((e) => e.message).join("\n")).toMatch(/handlers\.0\.on\.to\.0/);
    expect(errors.map((e) => e.message).join("\n")).toContain("renotify");
  });

  it("refuses a secret the module may not use, at the builder call, with the check's reason", async () => {
    const source = monitor(
      `sampler: probeIt({ url: "http://x/health" }), timing: every("30s"), handlers: [notify({ url: "https://x.example.com", headers: { authorization: secret("HOOK_TOKEN") } })]`,
    );
    const asked: SecretRequester[] = [];
    const granted = new Set<string>();
    const check: SecretCheck = (name, requester) => {
      asked.push(requester);
      return granted.has(name)
        ? { ok: true }
        : { ok: false, reason: `secret("${name}") is not granted to module "${requester.module}"` };
    };
    const errors = await errorsOf(source, { secrets: check, team: "payments" });
    expect(errors).toMatchObject([{ code: "validation", ...positionOf(source, "notify({") }]);
    expect(errors[0]?.message).toBe('notify(): secret("HOOK_TOKEN") is not granted to module "User Service"');
    // A refused module is evaluated again to locate its errors, so the store may be asked twice.
    expect(new Set(asked.map((requester) => JSON.stringify(requester)))).toEqual(
      new Set([JSON.stringify({ module: "User Service", team: "payments" })]),
    );
    granted.add("HOOK_TOKEN");
    expect((await compile(source, { secrets: check })).ok).toBe(true);
    // Offline (`amstaff check`), with no store, secrets are not checked.
    expect((await compile(source)).ok).toBe(true);
  });

  it("reports a syntax error at its line and column", async () => {
    const source = monitor().replace('every("30s")', 'every("30s") +* 2');
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "syntax", file: "user-service.ts", line: lineOf(source, "+*") });
    expect(error?.column).toBe(positionOf(source, "+*").column + 1);
    expect(error?.sourceLine).toContain("+* 2");
  });

  it.each([
    ['import fs from "node:fs";', "node:fs"],
    ['import { cloneDeep } from "lodash";', "lodash"],
    ['import { helper } from "./helper";', "./helper"],
  ])("refuses %s with an import error at the import", async (line, name) => {
    const source = `${line}\n${monitor()}`;
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "import", line: 1, column: positionOf(source, `"${name}"`).column });
    expect(error?.message).toContain(`"${name}"`);
    expect(error?.message).toContain('"@amstaff/dsl", "test-sampler", "test-handler"');
  });

  it("refuses require() and dynamic import() of other modules", async () => {
    for (const call of ['require("node:child_process")', 'import("node:fs")']) {
      const source = monitor().replace("export default", `const x = ${call};\nexport default`);
      const [error] = await errorsOf(source);
      expect(error).toMatchObject({ code: "import", line: lineOf(source, call) });
    }
  });

  it("reports an import of a name a plugin does not export", async () => {
    const source = monitor()
      .replace("import { probeIt }", "import { probeIt, probeThat }")
      .replace("probeIt({", "probeThat({");
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "import", line: 2 });
    expect(error?.message).toBe(
      '"test-sampler" has no export "probeThat" (it exports probeIt); import types with `import type`',
    );
  });

  it("accepts type imports of the DSL and @amstaff/core", async () => {
    const source = `import type { Duration, PluginSpec } from "@amstaff/core";
import { type MonitorOptions, MonitorRef } from "@amstaff/dsl";
${monitor().replace('every("30s")', 'every("30s" satisfies Duration)')}
const unused: MonitorOptions | MonitorRef | PluginSpec | undefined = undefined;
`;
    expect((await compile(source)).ok).toBe(true);
  });

  it("reports invalid plugin options at the builder call", async () => {
    const source = monitor().replace("http://user-service/health", "not a url");
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "validation", ...positionOf(source, "probeIt({") });
    expect(error?.message).toBe("invalid options for probeIt(): url: Invalid URL");
  });

  it("reports a handler given as sampler", async () => {
    const source = monitor().replace(
      'probeIt({ url: "http://user-service/health" })',
      'notify({ url: "https://x.example" })',
    );
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "validation", line: lineOf(source, "m.monitor(") });
    expect(error?.message).toContain("notify() makes a handler, but");
  });

  it("reports duplicate monitor names at the second monitor", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health", { sampler: probeIt({ url: "http://a.example" }), timing: every("30s") });
  m.monitor("Health", { sampler: probeIt({ url: "http://b.example" }), timing: every("1m") });
});
`;
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "validation", line: lineOf(source, "b.example") });
    expect(error?.message).toBe('monitor "Health": name: duplicate monitor name "Health"');
  });

  it('refuses "30 minutes" even though only the types forbid it', async () => {
    const source = monitor().replace('every("30s")', 'every("30 minutes" as "30m")');
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "validation", line: lineOf(source, "m.monitor(") });
    expect(error?.message).toMatch(
      /^monitor "Health-Check Failed": timing: Invalid duration "30 minutes": .*"30s"/,
    );
  });

  it("refuses an invalid timeout and an interval below one second", async () => {
    const source = monitor().replace('every("30s")', 'every("500ms"), timeout: "5 seconds" as "5s"');
    const messages = (await errorsOf(source)).map((e) => e.message);
    expect(messages).toHaveLength(2);
    expect(messages).toContainEqual(expect.stringMatching(/timeout: Invalid duration "5 seconds"/));
    expect(messages).toContainEqual(expect.stringMatching(/timing\.every: .*at least 1s/));
  });

  it("reports an invalid cron expression at the monitor", async () => {
    const source = monitor().replace('every("30s")', 'cron("*/61 * * * *")');
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "validation", line: lineOf(source, "m.monitor(") });
    expect(error?.message).toMatch(
      /^monitor "Health-Check Failed": timing: invalid cron expression "\*\/61 \* \* \* \*": ./,
    );
  });

  it("reports an unknown cron time zone", async () => {
    const source = monitor().replace('every("30s")', 'cron("0 * * * *", { timezone: "Mars/Olympus" })');
    const [error] = await errorsOf(source);
    expect(error?.message).toContain('time zone "Mars/Olympus"');
  });

  it("requires a default export made by amstaff()", async () => {
    for (const source of [
      monitor().replace("export default", "export const mod ="),
      `${header}\nexport default { name: "x", monitors: [] };\n`,
      "",
    ]) {
      const errors = await errorsOf(source);
      expect(errors).toEqual([
        expect.objectContaining({
          code: "export",
          line: 1,
          column: 1,
          message: 'a module file must `export default amstaff("Name", (m) => { ... })`',
        }),
      ]);
    }
  });

  it("locates an error thrown inside the build callback", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  const hosts = ["a", "b"];
  for (const host of hosts) {
    if (host === "b") throw new Error("no monitor for " + host);
    m.monitor(host, { sampler: probeIt({ url: "http://" + host }), timing: every("30s") });
  }
});
`;
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({
      code: "evaluation",
      message: "Error: no monitor for b",
      ...positionOf(source, 'new Error("no monitor'),
    });
  });

  it("stops an endless loop and keeps working afterwards", async () => {
    const loop = monitor().replace("export default", "while (true) {}\nexport default");
    expect(await errorsOf(loop, { timeoutMs: 200, typeCheck: false })).toEqual([
      expect.objectContaining({ code: "timeout", message: expect.stringContaining("200ms") }),
    ]);
    const promises = monitor().replace(
      "export default",
      "const spin = () => Promise.resolve().then(spin);\nspin();\nexport default",
    );
    expect((await errorsOf(promises, { timeoutMs: 200, typeCheck: false }))[0]?.code).toBe("timeout");
    expect((await compile(monitor())).ok).toBe(true);
  });

  it.each([
    ["globalThis.process.exit(1)", /TypeError: Cannot read properties of undefined/],
    ["process.exit(1)", /ReferenceError: process is not defined/],
    ['(0, eval)("1")', /EvalError: Code generation from strings disallowed/],
    ['new Function("return this")()', /EvalError: Code generation from strings disallowed/],
    ['(() => {}).constructor("return process")()', /EvalError/],
    ["setTimeout(() => {}, 1)", /ReferenceError: setTimeout is not defined/],
    ["new FinalizationRegistry(() => {})", /ReferenceError: FinalizationRegistry is not defined/],
    [
      "Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0)",
      /ReferenceError: (Atomics|SharedArrayBuffer|Int32Array) is not defined/,
    ],
    ["globalThis.constructor.constructor('return process')()", /EvalError/],
    [
      "new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))",
      /CompileError|EvalError|WebAssembly/,
    ],
  ])("refuses %s with an evaluation error, type-check or not", async (code, message) => {
    const source = monitor().replace("export default", `${code};\nexport default`);
    const [error, ...rest] = await errorsOf(source, { typeCheck: false });
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "evaluation", line: lineOf(source, code) });
    expect(error?.message).toMatch(message);
  });

  it("has no require in scope", async () => {
    const source = monitor().replace(
      "export default",
      "const r = (globalThis as { require?: (id: string) => unknown }).require;\nif (r) r('fs');\nexport default",
    );
    expect((await compile(source)).ok).toBe(true);
  });

  it("refuses output larger than 5 MB", async () => {
    const source = monitor().replace('every("30s")', 'every("30s"), tags: ["x".repeat(6_000_000)]');
    const [error] = await errorsOf(source, { timeoutMs: 30_000 });
    expect(error).toMatchObject({ code: "output", line: 1 });
    expect(error?.message).toMatch(/more than the limit of 5242880 bytes/);
  });

  it("refuses builder arguments that are not plain data", async () => {
    const source = monitor().replace(
      '{ url: "http://user-service/health" }',
      '{ url: "http://x.example", onError: () => 1 }',
    );
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "validation", ...positionOf(source, "probeIt(") });
    expect(error?.message).toMatch(/"onError" is a function/);
  });

  it("detects a file whose newlines curl -d stripped", async () => {
    const file = `${header}
// Monitors of the user service.
export default amstaff("User Service", (m) => {
  m.monitor("Health", { sampler: probeIt({ url: "http://user-service/health" }), timing: every("30s") });
});
`;
    const [error, ...rest] = await errorsOf(file.replace(/[\r\n]/g, ""));
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "newlines", line: 1, column: 1 });
    expect(error?.message).toContain("curl --data-binary @file");
    const noComment = file.replace("// Monitors of the user service.\n", "").replace(/[\r\n]/g, "");
    expect((await errorsOf(noComment))[0]?.code).toBe("newlines");
  });

  it("keeps secrets as references", async () => {
    const source = monitor().replace(
      'every("30s")',
      'every("30s"), handlers: [notify({ url: "https://x.example", headers: { token: secret("HOOK_TOKEN") } })]',
    );
    const result = await compile(source);
    expect(result.ok && result.definition.monitors[0]?.handlers[0]?.options).toEqual({
      url: "https://x.example",
      headers: { token: { $secret: "HOOK_TOKEN" } },
    });
  });

  it("reports every invalid monitor, each at its own line", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("A", { sampler: probeIt({ url: "http://a.example" }), timing: every("30s"), consecutive: 0 });
  m.monitor("B/C", { sampler: probeIt({ url: "http://b.example" }), timing: every("30s") });
});
`;
    const errors = await errorsOf(source);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [lineOf(source, '"A"'), expect.stringMatching(/^monitor "A": consecutive: /)],
      [lineOf(source, '"B/C"'), expect.stringMatching(/^monitor "B\/C": name: a name cannot contain '\/'/)],
    ]);
  });

  it("compiles a 100-monitor module", async () => {
    const monitors = Array.from(
      { length: 100 },
      (_, i) =>
        `  m.monitor("m${i}", { sampler: probeIt({ url: "http://s${i}.example" }), timing: every("30s"), tags: ["t"] });`,
    );
    const source = `${header}\nexport default amstaff("Big", (m) => {\n${monitors.join("\n")}\n});\n`;
    const result = await compile(source);
    expect(result.ok && result.definition.monitors).toHaveLength(100);
  });
});

describe("type-checking", () => {
  it("refuses an unknown option at the option", async () => {
    const source = monitor(
      'sampler: probeIt({ url: "http://x.example" }), timing: every("30s"), handler: []',
    );
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "type", ...positionOf(source, "handler:") });
    expect(error?.message).toMatch(
      /^Object literal may only specify known properties, but 'handler' does not exist in type 'MonitorOptions'. Did you mean to write 'handlers'\?/,
    );
    expect(error?.sourceLine).toBe(source.split("\n")[error!.line - 1]);
  });

  it('refuses every("30 minutes") at the argument', async () => {
    const source = monitor().replace('every("30s")', 'every("30 minutes")');
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "type", ...positionOf(source, '"30 minutes"') });
    expect(error?.message).toContain(
      `Argument of type '"30 minutes"' is not assignable to parameter of type`,
    );
  });

  it("refuses a value of the wrong type, every one of them", async () => {
    const source = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("A", { sampler: probeIt({ url: "http://a.example" }), timing: every("30s"), consecutive: "2" });
  m.monitor("B", { sampler: probeIt({ url: "http://b.example" }), timing: every("30s"), tags: "prod" });
});
`;
    const errors = await errorsOf(source);
    expect(errors.map(({ code, line, column }) => ({ code, line, column }))).toEqual([
      { code: "type", ...positionOf(source, "consecutive:") },
      { code: "type", ...positionOf(source, "tags:") },
    ]);
    expect(errors[0]?.message).toBe("Type 'string' is not assignable to type 'number'.");
  });

  it("refuses process, timers and other host globals by type", async () => {
    const source = monitor().replace(
      "export default",
      "process.exit(1);\nsetTimeout(() => {}, 1);\nexport default",
    );
    const errors = await errorsOf(source);
    expect(errors).toEqual([
      expect.objectContaining({
        code: "type",
        ...positionOf(source, "process"),
        message: expect.stringMatching(/^Cannot find name 'process'/),
      }),
      expect.objectContaining({
        code: "type",
        ...positionOf(source, "setTimeout"),
        message: "Cannot find name 'setTimeout'.",
      }),
    ]);
  });

  it("refuses a type import of a package that is not allowed, at the specifier", async () => {
    const source = `import type { Thing } from "some-types";\n${monitor()}\nexport const x: Thing | undefined = undefined;\n`;
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "import", ...positionOf(source, '"some-types"') });
    expect(error?.message).toBe("Cannot find module 'some-types' or its corresponding type declarations.");
  });

  it("refuses a relative type import without reading the disk", async () => {
    const source = `import type { X } from "../package.json";\n${monitor()}\nexport const x: X | undefined = undefined;\n`;
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "import", line: 1, column: positionOf(source, '"../').column });
  });

  it("checks builders of a plugin without declarations as untyped, and leaves them to validation", async () => {
    const source = monitor('sampler: probeIt({ url: 42 }), timing: every("30s")');
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "validation", ...positionOf(source, "probeIt(") });
  });

  it("can be turned off, and then an unknown monitor option goes unnoticed", async () => {
    const source = monitor().replace('every("30s")', 'every("30s"), handler: []');
    expect((await errorsOf(source))[0]?.code).toBe("type");
    expect((await compile(source, { typeCheck: false })).ok).toBe(true);
  });
});

describe("formatCompileErrors", () => {
  it("prints file:line:col, the source line and a caret", () => {
    const errors: CompileError[] = [
      {
        file: "a.ts",
        line: 3,
        column: 5,
        code: "validation",
        message: "bad",
        sourceLine: "  x = probeIt();",
      },
      { file: "a.ts", line: 1, column: 1, code: "timeout", message: "slow" },
    ];
    expect(formatCompileErrors(errors)).toBe(
      "a.ts:3:5 - error: bad\n    x = probeIt();\n      ^\na.ts:1:1 - error: slow",
    );
  });

  it("cuts an over-long source line to a window around the column, caret aligned", () => {
    const line = `${"a".repeat(500)}X${"b".repeat(500)}`;
    const text = formatCompileErrors([
      { file: "a.ts", line: 1, column: 501, code: "syntax", message: "bad", sourceLine: line },
    ]);
    const [, shown = "", caret = ""] = text.split("\n");
    expect(shown.length).toBeLessThanOrEqual(2 + 120);
    expect(shown).toMatch(/^ {2}…a+Xb+…$/);
    expect(shown[caret.indexOf("^")]).toBe("X");
    const start = formatCompileErrors([
      { file: "a.ts", line: 1, column: 3, code: "syntax", message: "bad", sourceLine: line },
    ]).split("\n");
    expect(start[1]).toMatch(/^ {2}a{118}…$/);
    expect(start[2]).toBe("    ^");
  });

  it("windows an error on a very long line", async () => {
    const body = Array.from(
      { length: 40 },
      (_, i) =>
        `m.monitor("m${i}", { sampler: probeIt({ url: "http://s${i}.example" }), timing: every("30s") });`,
    ).join(" ");
    const long = `export default amstaff("Big", (m) => { ${body} m.monitor("bad", { sampler: probeIt({ url: "http://x.example" }), timing: every("30 minutes") }); });`;
    const source = `${header}${long}\n`;
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "type", ...positionOf(source, '"30 minutes"') });
    const [, shown = "", caret = ""] = formatCompileErrors([error!]).split("\n");
    expect(shown.length).toBeLessThanOrEqual(122);
    expect(shown.slice(caret.indexOf("^"))).toMatch(/^"30 minutes"/);
  });

  it("formats a real compile error", async () => {
    const source = monitor().replace("http://user-service/health", "nope");
    const text = formatCompileErrors(await errorsOf(source));
    const { line, column } = positionOf(source, "probeIt({");
    expect(text).toBe(
      [
        `user-service.ts:${line}:${column} - error: invalid options for probeIt(): url: Invalid URL`,
        `  ${source.split("\n")[line - 1]}`,
        `  ${" ".repeat(column - 1)}^`,
      ].join("\n"),
    );
  });
});
