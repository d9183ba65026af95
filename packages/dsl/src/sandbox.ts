import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { types } from "node:util";
import vm from "node:vm";
import * as esbuild from "esbuild";
import { bundleFilename, preludeGlobal } from "./bundleModule.js";

const preludeFilename = "amstaff-prelude.js";

/** The largest JSON a module file may evaluate to. */
export const maxOutputBytes = 5 * 1024 * 1024;

let prelude: Promise<vm.Script> | undefined;

// From src/ (tests, the "@amstaff/source" condition) the runtime sits beside this file; from dist/ it is
// in the src/ the package ships.
function runtimeEntry(): string {
  const candidates = [
    new URL("./sandboxRuntime.ts", import.meta.url),
    new URL("../src/sandboxRuntime.ts", import.meta.url),
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `@amstaff/dsl: cannot find src/sandboxRuntime.ts next to ${fileURLToPath(import.meta.url)}`,
  );
}

async function buildPrelude(): Promise<vm.Script> {
  const result = await esbuild.build({
    entryPoints: [runtimeEntry()],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "__amstaffRuntime",
    platform: "neutral",
    target: "esnext",
    tsconfigRaw: {},
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text ?? "";
  return new vm.Script(`${code}\nconst ${preludeGlobal} = Object.freeze(__amstaffRuntime.runtime);\n`, {
    filename: preludeFilename,
  });
}

/** The bundled builders and recorders, built once per process. */
export function loadPrelude(): Promise<vm.Script> {
  prelude ??= buildPrelude().catch((error: unknown) => {
    prelude = undefined;
    throw error;
  });
  return prelude;
}

/** How running a bundle in the sandbox ended. */
export type SandboxOutcome =
  | { kind: "output"; json: string }
  | { kind: "timeout" }
  | { kind: "too-large"; bytes: number }
  | { kind: "broken"; message: string };

/**
 * Runs a module bundle in a fresh context that has only the JavaScript built-ins: no host object goes in,
 * only the code string, and only a string comes out.
 */
export async function runInSandbox(code: string, timeoutMs: number): Promise<SandboxOutcome> {
  const preludeScript = await loadPrelude();
  const script = new vm.Script(code, { filename: bundleFilename });
  // DONT_CONTEXTIFY gives the context an ordinary global object of its own realm, so no host object (and
  // no host prototype chain) is reachable from inside.
  const context = vm.createContext(vm.constants.DONT_CONTEXTIFY, {
    name: "amstaff module",
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: "afterEvaluate",
  });
  const started = performance.now();
  let result: unknown;
  try {
    preludeScript.runInContext(context, { timeout: timeoutMs, breakOnSigint: false });
    const left = Math.max(1, Math.floor(timeoutMs - (performance.now() - started)));
    result = script.runInContext(context, { timeout: left, breakOnSigint: false });
  } catch (error) {
    // The timeout error is created in the context's realm, so it is inspected only in ways that cannot
    // run sandbox code (a proxy trap or a getter would run outside the time limit).
    if (
      !types.isProxy(error) &&
      types.isNativeError(error) &&
      Object.getOwnPropertyDescriptor(error, "code")?.value === "ERR_SCRIPT_EXECUTION_TIMEOUT"
    ) {
      return { kind: "timeout" };
    }
    return { kind: "broken", message: "evaluating the module failed in a way that cannot be described" };
  }
  if (typeof result !== "string") {
    return { kind: "broken", message: "the module's evaluation did not produce a result" };
  }
  // A UTF-16 length above the limit is always more bytes than the limit, so the byte count is only
  // computed for strings that may fit.
  if (result.length > maxOutputBytes) return { kind: "too-large", bytes: Buffer.byteLength(result) };
  const bytes = Buffer.byteLength(result);
  if (bytes > maxOutputBytes) return { kind: "too-large", bytes };
  return { kind: "output", json: result };
}
