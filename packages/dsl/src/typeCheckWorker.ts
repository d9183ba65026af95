/**
 * The body of the type-check thread (see typeCheckThread.ts): TypeScript, its parsed declarations and one
 * LanguageService per `resolveFrom` live here, out of the main thread's heap and event loop, and go away
 * with the thread. Bundled by esbuild when the thread starts, so it may import this package's sources;
 * `typescript` stays an import of the installed package.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { CompileError } from "./compileError.js";
import { TypeChecker } from "./typeChecker.js";

/** What the type-check thread is started with. */
export interface TypeCheckThreadData {
  /** The package root of the `@amstaff/dsl` that compiles. */
  dslRoot: string;
}

/** One type-check: a module file's source against the DSL and the plugin packages. */
export interface TypeCheckRequest {
  id: number;
  /** Where plugin packages' declarations are resolved from (absolute). */
  resolveFrom: string;
  source: string;
  /** Plugin package name and the names of its builders. */
  plugins: [string, string[]][];
  /** The name errors show. */
  file: string;
}

/** The answer to a {@link TypeCheckRequest}: the errors found, or why checking failed. */
export type TypeCheckReply = { id: number; errors: CompileError[] } | { id: number; failure: string };

const { dslRoot } = workerData as TypeCheckThreadData;
const checkers = new Map<string, TypeChecker>();

parentPort?.on("message", (request: TypeCheckRequest) => {
  let reply: TypeCheckReply;
  try {
    let checker = checkers.get(request.resolveFrom);
    if (checker === undefined) {
      checker = new TypeChecker(request.resolveFrom, dslRoot);
      checkers.set(request.resolveFrom, checker);
    }
    const errors = checker.check(request.source, { plugins: new Map(request.plugins) }, request.file);
    reply = { id: request.id, errors };
  } catch (error) {
    reply = {
      id: request.id,
      failure: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  parentPort?.postMessage(reply);
});
