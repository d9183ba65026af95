import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { AmstaffError } from "@amstaff/core";
import * as esbuild from "esbuild";
import type { CompileError } from "./compileError.js";
import type { TypeCheckReply, TypeCheckRequest, TypeCheckThreadData } from "./typeCheckWorker.js";

/** The package root of @amstaff/dsl, from src/ (tests) as from dist/ (published). */
export const dslPackageRoot = fileURLToPath(new URL("..", import.meta.url));

// From src/ (tests, the "@amstaff/source" condition) the thread's body sits beside this file; from dist/
// it is in the src/ the package ships.
function workerEntry(): string {
  for (const candidate of ["./typeCheckWorker.ts", "../src/typeCheckWorker.ts"]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(
    `@amstaff/dsl: cannot find src/typeCheckWorker.ts next to ${fileURLToPath(import.meta.url)}`,
  );
}

async function buildWorker(): Promise<string> {
  // The thread loads the very `typescript` this package depends on, by absolute path: evaluated code has
  // no directory to resolve a bare name from. CommonJS, the format every Node.js evaluates a worker's
  // code string in.
  const typescript = createRequire(import.meta.url).resolve("typescript");
  const result = await esbuild.build({
    entryPoints: [workerEntry()],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "node22",
    tsconfigRaw: {},
    logLevel: "silent",
    plugins: [
      {
        name: "installed-typescript",
        setup(build) {
          build.onResolve({ filter: /^typescript$/ }, () => ({ path: typescript, external: true }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? "";
}

let code: Promise<string> | undefined;

function workerCode(): Promise<string> {
  code ??= buildWorker().catch((error: unknown) => {
    code = undefined;
    throw error;
  });
  return code;
}

interface Pending {
  resolve: (errors: CompileError[]) => void;
  reject: (error: Error) => void;
}

/** One type-check thread and the checks it was asked for. */
class Thread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  ended = false;

  constructor(source: string) {
    const workerData: TypeCheckThreadData = { dslRoot: dslPackageRoot };
    this.#worker = new Worker(source, { eval: true, workerData });
    // An idle thread never keeps the process (a CLI, a test run) alive.
    this.#worker.unref();
    this.#worker.on("message", (reply: TypeCheckReply) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if ("errors" in reply) pending.resolve(reply.errors);
      else pending.reject(new AmstaffError("AMS_ERR_INTERNAL", `type-checking failed: ${reply.failure}`));
    });
    this.#worker.on("error", (error) => this.#end(error));
    this.#worker.on("exit", (exitCode) => this.#end(new Error(`exited with code ${exitCode}`)));
  }

  check(request: Omit<TypeCheckRequest, "id">): Promise<CompileError[]> {
    const id = this.#nextId++;
    return new Promise<CompileError[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, ...request } satisfies TypeCheckRequest);
    });
  }

  async terminate(): Promise<void> {
    this.ended = true;
    await this.#worker.terminate();
  }

  #end(cause: Error): void {
    this.ended = true;
    for (const pending of this.#pending.values()) {
      pending.reject(
        new AmstaffError("AMS_ERR_INTERNAL", `the type-check thread stopped: ${cause.message}`, { cause }),
      );
    }
    this.#pending.clear();
  }
}

let thread: Thread | undefined;

/**
 * Type-checks a module file on the type-check thread, starting it (TypeScript loaded, declarations parsed
 * on its first check) when none runs. The main thread's event loop goes on meanwhile.
 */
export async function typeCheck(request: Omit<TypeCheckRequest, "id">): Promise<CompileError[]> {
  const source = await workerCode();
  if (thread === undefined || thread.ended) thread = new Thread(source);
  return thread.check(request);
}

/** Ends the type-check thread, and with it TypeScript and every declaration it parsed. */
export async function closeTypeCheckThread(): Promise<void> {
  const current = thread;
  thread = undefined;
  await current?.terminate();
}

/** Whether a type-check thread is running (it holds TypeScript's memory). */
export function typeCheckThreadRunning(): boolean {
  return thread !== undefined && !thread.ended;
}
