/**
 * The code that runs inside the compiler's sandbox next to a module file: the builders, with
 * `amstaff(...)`, `m.monitor(...)` and every plugin builder wrapped so that each call records where it was
 * made. It is bundled by esbuild at run time (never imported by the host) and talks to the host only
 * through the JSON string `finish` returns.
 */
import * as builders from "./builders.js";
import type { AmstaffModule, DefaultedMonitorOptions, ModuleBuilder } from "./moduleTypes.js";

interface CallRecord {
  package: string;
  name: string;
  args: unknown[] | null;
  problem?: string;
  stack: string;
}

interface ModuleRecord {
  stack: string;
  monitorStacks: string[];
  maintenanceStacks: string[];
}

// Their callbacks would run later from the host's event loop, outside the evaluation's time limit.
delete (globalThis as { FinalizationRegistry?: unknown }).FinalizationRegistry;
// Memory outside the JavaScript heap (array buffers) is not bounded by the sandbox thread's heap limit,
// and shared memory would let `Atomics.wait` block the thread; a module file needs none of them.
for (const name of [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Atomics",
  "WebAssembly",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
]) {
  delete (globalThis as Record<string, unknown>)[name];
}

// Captured before the module file runs, so that replacing globals cannot change them.
const stringify = JSON.stringify;
const parse = JSON.parse;
const ErrorCtor = Error;
const append: <T>(array: T[], value: T) => number = Function.prototype.call.bind(Array.prototype.push);
const maxCalls = 100_000;
const maxStack = 4_000;

const calls: CallRecord[] = [];
const modules = new WeakMap<object, ModuleRecord>();
let thrown: { message: string; stack: string } | undefined;

interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

// Only file:line:column of each frame is needed; V8's call sites give them without the cost of
// formatting a full stack trace (which goes through Node's own hook for every call).
const positions = (_error: Error, frames: CallSite[]): string =>
  frames.map((f) => `${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()}`).join("\n");

// Unless the host asks for them (for a module that validation refuses), calls are recorded without where
// they were made: V8 finds a frame's line and column by a linear scan of its function's position table, so
// in a file whose one function holds n literal `m.monitor(...)` calls, recording each call's position costs
// O(n²): 130–160 ms of CPU for 1000 such monitors against 13–23 ms without, 400 ms for 2000 (bench
// push:phases). The flag is read once, before the module runs.
const locate = (globalThis as { __amstaffLocate?: unknown }).__amstaffLocate !== false;
delete (globalThis as { __amstaffLocate?: unknown }).__amstaffLocate;

function where(): string {
  if (!locate) return "";
  const error = ErrorCtor as unknown as { prepareStackTrace?: unknown };
  const previous = error.prepareStackTrace;
  error.prepareStackTrace = positions;
  try {
    const stack = new ErrorCtor().stack;
    return typeof stack === "string" ? stack.slice(0, maxStack) : "";
  } finally {
    error.prepareStackTrace = previous;
  }
}

function snapshot(args: unknown[]): { args: unknown[] | null; problem?: string } {
  let problem: string | undefined;
  try {
    const text = stringify(args, (key, value) => {
      const type = typeof value;
      if (type === "function" || type === "symbol") {
        problem ??= `${key ? `"${key}" is a ${type}` : `an argument is a ${type}`}: builder arguments must be plain data (strings, numbers, booleans, null, arrays and objects)`;
        return undefined;
      }
      return value;
    });
    if (problem !== undefined) return { args: null, problem };
    return { args: text === undefined ? [] : parse(text) };
  } catch (error) {
    return {
      args: null,
      problem: `builder arguments must be plain data: ${error instanceof ErrorCtor ? error.message : "not serialisable"}`,
    };
  }
}

function plugin(pkg: string, name: string): (...args: unknown[]) => unknown {
  return (...args) => {
    if (calls.length >= maxCalls) throw new ErrorCtor(`a module makes at most ${maxCalls} builder calls`);
    const index = calls.length;
    append(calls, { package: pkg, name, ...snapshot(args), stack: where() });
    return { $amstaffCall: index };
  };
}

function amstaff(name: string, ...rest: unknown[]): AmstaffModule {
  const record: ModuleRecord = { stack: where(), monitorStacks: [], maintenanceStacks: [] };
  const build = rest.length >= 2 ? rest[1] : rest[0];
  const wrapped = (m: ModuleBuilder<DefaultedMonitorOptions>) => {
    const monitor: typeof m.monitor = (monitorName, options) => {
      append(record.monitorStacks, where());
      try {
        return m.monitor(monitorName, options);
      } catch (error) {
        record.monitorStacks.length -= 1;
        throw error;
      }
    };
    const maintenance: typeof m.maintenance = (windowName, options) => {
      append(record.maintenanceStacks, where());
      try {
        m.maintenance(windowName, options);
      } catch (error) {
        record.maintenanceStacks.length -= 1;
        throw error;
      }
    };
    (build as (m: unknown) => void)({ monitor, maintenance });
  };
  const real = builders.amstaff as (name: string, ...rest: unknown[]) => AmstaffModule;
  const module = rest.length >= 2 ? real(name, rest[0], wrapped) : real(name, wrapped);
  modules.set(module, record);
  return module;
}

function fail(error: unknown): void {
  try {
    if (error instanceof ErrorCtor) {
      thrown = { message: `${String(error.name)}: ${String(error.message)}`, stack: String(error.stack) };
    } else {
      thrown = { message: `the module threw a non-Error value: ${String(error).slice(0, 200)}`, stack: "" };
    }
  } catch {
    thrown = { message: "the module threw a value that cannot be described", stack: "" };
  }
}

function finish(namespace: unknown): string {
  try {
    if (thrown !== undefined) return stringify({ ok: false, reason: "throw", ...thrown });
    const module =
      typeof namespace === "object" && namespace !== null
        ? (namespace as { default?: unknown }).default
        : undefined;
    const record = typeof module === "object" && module !== null ? modules.get(module) : undefined;
    if (record === undefined) return stringify({ ok: false, reason: "export" });
    return stringify({
      ok: true,
      module,
      stack: record.stack,
      monitorStacks: record.monitorStacks,
      maintenanceStacks: record.maintenanceStacks,
      calls,
    });
  } catch (error) {
    try {
      return stringify({
        ok: false,
        reason: "data",
        message: `the module is not plain data: ${error instanceof ErrorCtor ? error.message : String(error)}`,
      });
    } catch {
      return '{"ok":false,"reason":"data","message":"the module is not plain data"}';
    }
  }
}

/** What the prelude exposes to the module bundle, frozen in a global `const`. */
export const runtime = { builders: { ...builders, amstaff }, plugin, fail, finish };
