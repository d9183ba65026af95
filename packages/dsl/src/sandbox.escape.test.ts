/**
 * Attempts to get out of the sandbox, or to make the host run module code. Each is refused (or, where
 * the trick only changes the module's own data, leads to nothing beyond what a module may say), and the
 * host is healthy afterwards. Type-checking is off: these test the sandbox, which must hold on its own.
 */
import { afterEach, describe, expect, it } from "vitest";
import { plugins } from "./__tests__/plugins.js";
import { type CompileError, type CompileResult, compileModule } from "./compiler.js";

const header = `import { amstaff, cron, every, secret } from "@amstaff/dsl";
import { probeIt } from "test-sampler";
import { notify } from "test-handler";
`;

const valid = `${header}
export default amstaff("User Service", (m) => {
  m.monitor("Health", { sampler: probeIt({ url: "http://user-service/health" }), timing: every("30s") });
});
`;

/** A module whose first monitor's tags are `tags` (an expression), after `before` ran. */
function moduleWith(before: string, tags = "[]", sampler = 'probeIt({ url: "http://x.example" })'): string {
  return `${header}
${before}
export default amstaff("Escape", (m) => {
  m.monitor("Attempt", { sampler: ${sampler}, timing: every("30s"), tags: ${tags} });
});
`;
}

function compile(source: string, timeoutMs = 1000): Promise<CompileResult> {
  return compileModule(source, { filename: "escape.ts", plugins, typeCheck: false, timeoutMs });
}

async function errorsOf(source: string, timeoutMs?: number): Promise<CompileError[]> {
  const result = await compile(source, timeoutMs);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.definition)}`);
  return result.errors;
}

async function tagsOf(source: string): Promise<string[]> {
  const result = await compile(source);
  if (!result.ok) throw new Error(`expected a module, got ${JSON.stringify(result.errors)}`);
  return result.definition.monitors[0]?.tags ?? [];
}

function positionOf(source: string, needle: string): { line: number; column: number } {
  const index = source.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in source`);
  const before = source.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

const lineOf = (source: string, needle: string) => positionOf(source, needle).line;

const nativePush = Array.prototype.push;
const nativeParse = JSON.parse;
const nativeStringify = JSON.stringify;
const globalNames = Object.getOwnPropertyNames(globalThis).sort();

afterEach(async () => {
  // The host is untouched and still compiles a valid module.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Array.prototype.push).toBe(nativePush);
  expect(JSON.parse).toBe(nativeParse);
  expect(JSON.stringify).toBe(nativeStringify);
  expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globalNames);
  expect((globalThis as Record<string, unknown>).leak).toBeUndefined();
  const result = await compile(valid);
  expect(result.ok).toBe(true);
});

describe("the sandbox refuses", () => {
  it.each([
    ["an arrow function's constructor", '(() => {}).constructor("return process")()'],
    ["a builder's return value", 'probeIt({ url: "http://x" }).constructor.constructor("return process")()'],
    ["a DSL builder's return value", 'every("30s").constructor.constructor("return process")()'],
    [
      "an error object",
      'try { null!.toString(); } catch (e) { (e as any).constructor.constructor("return process")(); }',
    ],
    ["globalThis.constructor.constructor", 'globalThis.constructor.constructor("return process")()'],
    [
      "this.constructor.constructor",
      '(function (this: any) { return this ?? globalThis; })().constructor.constructor("return process")()',
    ],
    [
      "the AsyncFunction constructor",
      'Object.getPrototypeOf(async () => {}).constructor("return process")()',
    ],
    [
      "the GeneratorFunction constructor",
      'Object.getPrototypeOf(function* () {}).constructor("yield process")().next()',
    ],
    ["indirect eval", '(0, eval)("process")'],
    ["new Function", 'new Function("return process")()'],
    ["a string-based import() through Function", "Function(\"return import('node:fs')\")()"],
  ])("code generation from strings via %s", async (_name, code) => {
    const source = moduleWith(`${code};`);
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "evaluation", line: lineOf(source, code) });
    expect(error?.message).toMatch(/^EvalError: Code generation from strings disallowed/);
  });

  it("arguments.callee.caller: strict code refuses it, and a caller would be the sandbox's own", async () => {
    const code =
      'function f(): any { return (arguments as any).callee.caller; }\nf().constructor("return process")();';
    const source = moduleWith(code);
    const [error] = await errorsOf(source);
    expect(error?.code).toBe("evaluation");
    expect(error?.message).toMatch(/^(TypeError: 'caller'|EvalError: Code generation)/);
    expect(error?.line).toBeGreaterThanOrEqual(lineOf(source, "function f()"));
  });

  it.each([
    ["process", "process.binding('fs')", /^ReferenceError: process is not defined/],
    ["require", 'require("node:child_process")', null],
    ["module.require", '(module as any).require("fs")', /^ReferenceError: module is not defined/],
    ["globalThis.process", "(globalThis as any).process.mainModule", /^TypeError: Cannot read properties/],
    ["setTimeout", "setTimeout(() => {}, 1)", /^ReferenceError: setTimeout is not defined/],
    ["queueMicrotask", "queueMicrotask(() => {})", /^ReferenceError: queueMicrotask is not defined/],
    ["SharedArrayBuffer", "new SharedArrayBuffer(4)", /^ReferenceError: SharedArrayBuffer is not defined/],
    [
      "Atomics.wait",
      "Atomics.wait(new Int32Array(4), 0, 0)",
      /^ReferenceError: (Atomics|Int32Array) is not defined/,
    ],
    ["ArrayBuffer (memory off the heap)", "new ArrayBuffer(2 ** 31)", /^ReferenceError: ArrayBuffer/],
    ["WebAssembly", "WebAssembly.compile(new Uint8Array(8))", /^ReferenceError: (WebAssembly|Uint8Array)/],
    ["fetch", 'fetch("http://127.0.0.1:1/")', /^ReferenceError: fetch is not defined/],
  ])("host capabilities: %s", async (_name, code, message) => {
    const source = moduleWith(`${code};`);
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    if (message === null) {
      // A literal require() is resolved by the bundler, and refused there.
      expect(error).toMatchObject({ code: "import", ...positionOf(source, '"node:child_process"') });
    } else {
      expect(error).toMatchObject({ code: "evaluation", line: lineOf(source, code) });
      expect(error?.message).toMatch(message);
    }
  });

  it("import() of a builtin, literal: refused by the bundler at the specifier", async () => {
    const source = moduleWith('const fs = import("node:fs");');
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "import", ...positionOf(source, '"node:fs"') });
  });

  it("import() of a builtin, computed: the promise rejects and nothing is loaded", async () => {
    const source = moduleWith(
      'let got = "nothing";\nconst name = ["node", "fs"].join(":");\nimport(name).then(() => { got = "fs"; }, () => { got = "refused"; });\nconst late = () => got;',
      "[late()]",
    );
    expect(await tagsOf(source)).toEqual(["nothing"]);
  });

  it("Error.prepareStackTrace: the frames below the module give no function and no this", async () => {
    const source = moduleWith(
      `const found: string[] = [];
(Error as any).prepareStackTrace = (_e: unknown, frames: any[]) => frames;
const frames = (new Error() as any).stack as any[];
for (const frame of frames) {
  const fn = frame.getFunction?.();
  const self = frame.getThis?.();
  for (const candidate of [fn, self]) {
    if (candidate == null) continue;
    try {
      const F = candidate.constructor.constructor;
      const p = F("return typeof process")();
      found.push("escaped:" + p);
    } catch {
      found.push("refused");
    }
  }
}
(Error as any).prepareStackTrace = undefined;`,
      'found.filter((f) => f.startsWith("escaped"))',
    );
    expect(await tagsOf(source)).toEqual([]);
  });
});

describe("the host's objects are never touched", () => {
  it("prototype pollution stays in the sandbox", async () => {
    const source = moduleWith(
      '(Object.prototype as any).polluted = 1;\n(Array.prototype as any).extra = "x";\n(globalThis as any).leak = "leaked";',
      '["a", String(({} as any).polluted)]',
    );
    expect(await tagsOf(source)).toEqual(["a", "1"]);
  });

  it("a replaced Array.prototype.push breaks only the module itself", async () => {
    const source = moduleWith("Array.prototype.push = function () { return 0; };", '["t"]');
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    // The monitor was never added to the module (the DSL's own push is the sandbox's), so the module
    // is empty; the recorder's calls are kept with a push captured before the module ran.
    expect(error).toMatchObject({ code: "validation", ...positionOf(source, 'amstaff("Escape"') });
    expect(error?.message).toBe("module: monitors: a module has at least one monitor");
  });

  it("a replaced JSON.stringify cannot forge the output", async () => {
    const forged = JSON.stringify({
      ok: true,
      module: { name: "Forged", monitors: [] },
      stack: "",
      monitorStacks: [],
      calls: [],
    });
    const source = moduleWith(
      `JSON.stringify = () => ${JSON.stringify(forged)};\nJSON.parse = () => ({ forged: true });`,
      '["genuine"]',
    );
    const result = await compile(source);
    expect(result.ok && result.definition.name).toBe("Escape");
    expect(result.ok && result.definition.monitors[0]?.tags).toEqual(["genuine"]);
  });

  it("a toJSON that forges the module gets no further than validation", async () => {
    const code = `const forged = amstaff("Forged", (m) => {
  m.monitor("Evil", { sampler: probeIt({ url: "http://x.example" }), timing: every("30s") });
});
(forged as any).toJSON = () => ({ name: "Forged", monitors: [{ name: "Evil", schedule: { kind: "interval", every: "30s" }, sampler: { $amstaffCall: 999 }, handlers: [{ plugin: "not-installed", options: {} }] }] });
export default forged;`;
    const source = `${header}\n${code}\n`;
    const errors = await errorsOf(source);
    expect(errors.every((e) => e.code === "validation")).toBe(true);
    expect(errors.map((e) => e.message)).toContainEqual(
      'monitor "Evil": handlers.0: no handler plugin "not-installed" is installed on this server',
    );
  });

  it("getters run in the sandbox, once, and never on the host", async () => {
    const source = moduleWith(
      `let reads = 0;
const options = { get url() { reads += 1; (globalThis as any).leak = "getter"; return reads === 1 ? "http://first.example" : "not a url"; } };`,
      "[]",
      "probeIt(options)",
    );
    const result = await compile(source);
    expect(result.ok && result.definition.monitors[0]?.sampler.options).toEqual({
      url: "http://first.example",
      okStatus: [200],
    });
  });

  it("Symbol.toPrimitive does not survive: only JSON crosses", async () => {
    const source = moduleWith(
      "const sneaky = { [Symbol.toPrimitive]() { (globalThis as any).leak = 1; return '30s'; } };",
    ).replace('every("30s")', "every(sneaky as any)");
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    // V8 places a method call at the method's name.
    expect(error).toMatchObject({ code: "validation", ...positionOf(source, 'monitor("Attempt"') });
    expect(error?.message).toMatch(/^monitor "Attempt": timing\.every: /);
  });

  it("a Proxy as options is read in the sandbox into plain data", async () => {
    const source = moduleWith(
      'const options = new Proxy({} as { url: string }, { ownKeys: () => ["url"], getOwnPropertyDescriptor: () => ({ value: "http://proxy.example", enumerable: true, configurable: true }), get: () => "http://proxy.example" });',
      "[]",
      "probeIt(options)",
    );
    const result = await compile(source);
    expect(result.ok && result.definition.monitors[0]?.sampler.options).toEqual({
      url: "http://proxy.example",
      okStatus: [200],
    });
  });

  it("a Proxy whose traps throw is refused at the builder call", async () => {
    const source = moduleWith(
      'const options = new Proxy({}, { ownKeys: () => { throw new Error("trap"); } });',
      "[]",
      "probeIt(options)",
    );
    const [error] = await errorsOf(source);
    expect(error).toMatchObject({ code: "validation", ...positionOf(source, "probeIt(options)") });
    expect(error?.message).toBe("probeIt(): builder arguments must be plain data: trap");
  });
});

describe("the sandbox bounds", () => {
  it("huge output", async () => {
    const source = moduleWith("", 'Array.from({ length: 100 }, (_, i) => String(i).padEnd(60_000, "x"))');
    // Generous time limits where the point is another limit: a busy machine must not turn them into timeouts.
    const [error] = await errorsOf(source, 30_000);
    expect(error).toMatchObject({ code: "output", line: 1, column: 1 });
  });

  it("deep recursion (stack overflow), located at the recursive call", async () => {
    const source = moduleWith("function down(n: number): number {\n  return down(n + 1);\n}\ndown(0);");
    const [error, ...rest] = await errorsOf(source);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ code: "evaluation", line: lineOf(source, "return down(n + 1)") });
    // V8 throws the overflow at the entry of the innermost call, which maps into that statement.
    const statement = positionOf(source, "return down(n + 1)").column;
    expect(error?.column).toBeGreaterThanOrEqual(statement);
    expect(error?.column).toBeLessThanOrEqual(statement + "return down(n + 1)".length);
    expect(error?.message).toBe("RangeError: Maximum call stack size exceeded");
  });

  it("an infinite loop", async () => {
    const source = moduleWith("for (;;) {}");
    expect(await errorsOf(source, 300)).toEqual([
      expect.objectContaining({ code: "timeout", line: 1, column: 1 }),
    ]);
  });

  it("an infinite promise loop", async () => {
    const source = moduleWith("const spin = (): Promise<void> => Promise.resolve().then(spin);\nspin();");
    expect((await errorsOf(source, 300))[0]).toMatchObject({ code: "timeout", line: 1, column: 1 });
  });

  it("an infinite loop in a getter read while recording", async () => {
    const source = moduleWith(
      "const options = { get url(): string { for (;;) {} } };",
      "[]",
      "probeIt(options)",
    );
    expect((await errorsOf(source, 300))[0]?.code).toBe("timeout");
  });

  it('a memory bomb: "x".repeat(2 ** 28)', async () => {
    // repeat() builds a rope; serialising it makes it one flat 256 MB string.
    const source = moduleWith('const big = "x".repeat(2 ** 28);', "[big]");
    expect(await errorsOf(source, 30_000)).toEqual([
      expect.objectContaining({
        code: "memory",
        line: 1,
        column: 1,
        message: "evaluating the module needed more than the 128 MB of memory it may use",
      }),
    ]);
  });

  it("a memory bomb: growing arrays", async () => {
    const source = moduleWith(
      "const hoard: number[][] = [];\nfor (;;) hoard.push(new Array(1_000_000).fill(0.5));",
    );
    expect((await errorsOf(source, 30_000))[0]?.code).toBe("memory");
  });
});
