import * as esbuild from "esbuild";
import { closeSandboxes, idleSandboxes } from "./sandbox.js";
import { closeTypeCheckThread, typeCheckThreadRunning } from "./typeCheckThread.js";

/** How long the compiler's helpers stay after the last compile unless told otherwise, in ms. */
export const defaultReleaseAfterMs = 60_000;

let inUse = 0;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Runs `work` (a compile, a warm-up) with the compiler's helpers held; once no work is left, they are
 * released after `releaseAfterMs` (never when it is infinite). A server compiles at a push now and then:
 * between pushes, TypeScript and its parsed declarations would otherwise sit in memory for good.
 */
export async function withCompiler<T>(releaseAfterMs: number, work: () => Promise<T>): Promise<T> {
  inUse++;
  clearTimeout(releaseTimer);
  releaseTimer = undefined;
  try {
    return await work();
  } finally {
    inUse--;
    if (inUse === 0 && Number.isFinite(releaseAfterMs)) {
      releaseTimer = setTimeout(() => {
        releaseTimer = undefined;
        if (inUse === 0) void releaseCompiler().catch(() => undefined);
      }, releaseAfterMs);
      releaseTimer.unref();
    }
  }
}

/**
 * Releases what compiling keeps between compiles: the type-check thread (TypeScript and the parsed
 * declarations), the idle sandbox processes and esbuild's service process. The next compile starts them
 * again, as cold as the first of a process. Call it at shutdown, or to free the memory at once; a compile
 * under way when it is called fails.
 *
 * @example
 * ```ts
 * await releaseCompiler();
 * ```
 */
export async function releaseCompiler(): Promise<void> {
  clearTimeout(releaseTimer);
  releaseTimer = undefined;
  await Promise.all([closeTypeCheckThread(), closeSandboxes(), esbuild.stop()]);
}

/** What compiling holds right now: whether the type-check thread runs, and how many idle sandbox processes wait. */
export interface CompilerResources {
  typeCheckThread: boolean;
  idleSandboxes: number;
}

/**
 * What compiling holds right now (for tests and diagnostics).
 *
 * @example
 * ```ts
 * if (compilerResources().typeCheckThread) console.log("TypeScript is loaded");
 * ```
 */
export function compilerResources(): CompilerResources {
  return { typeCheckThread: typeCheckThreadRunning(), idleSandboxes: idleSandboxes() };
}
