/** What the host asks a sandbox process to do: run one module bundle in a fresh context. */
export interface SandboxJob {
  code: string;
  filename: string;
  /** The wall-clock time the context may run (the host watches the CPU time, where it can read it). */
  timeoutMs: number;
  maxOutputBytes: number;
  /** Whether the runtime records where each builder call was made (the prelude reads it once). */
  locate: boolean;
}

/** What a sandbox process says once it has the prelude and waits for jobs. */
export interface SandboxReady {
  kind: "ready";
}

/** How running a bundle in the sandbox ended. */
export type SandboxOutcome =
  | { kind: "output"; json: string }
  | { kind: "timeout" }
  | { kind: "too-large"; bytes: number }
  | { kind: "memory" }
  | { kind: "broken"; message: string };

/** The first message a sandbox process receives: the prelude every module runs after. */
export interface SandboxSetup {
  prelude: string;
  preludeFilename: string;
}

/**
 * The body of a sandbox child process. It is started from its own source text
 * (`node -e "(${sandboxChildMain})()"`), so it must not refer to any import or outer binding:
 * everything it needs comes from `process.getBuiltinModule` and the messages of its parent.
 */
export function sandboxChildMain(): void {
  const vm = process.getBuiltinModule("node:vm");
  const { types } = process.getBuiltinModule("node:util");
  let prelude: import("node:vm").Script | undefined;

  const run = (job: SandboxJob, prelude: import("node:vm").Script): SandboxOutcome => {
    const script = new vm.Script(job.code, { filename: job.filename });
    // DONT_CONTEXTIFY gives the context an ordinary global object of its own realm, so no object of
    // this process' main realm (and no prototype chain of it) is reachable from inside.
    const context = vm.createContext(vm.constants.DONT_CONTEXTIFY, {
      name: "amstaff module",
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: "afterEvaluate",
    });
    // A primitive only: no object of this realm goes into the context.
    if (!job.locate) (context as Record<string, unknown>).__amstaffLocate = false;
    const started = performance.now();
    let result: unknown;
    try {
      prelude.runInContext(context, { timeout: job.timeoutMs, breakOnSigint: false });
      const left = Math.max(1, Math.floor(job.timeoutMs - (performance.now() - started)));
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
    if (result.length > job.maxOutputBytes) {
      return { kind: "too-large", bytes: Buffer.byteLength(result) };
    }
    const bytes = Buffer.byteLength(result);
    if (bytes > job.maxOutputBytes) return { kind: "too-large", bytes };
    return { kind: "output", json: result };
  };

  process.on("message", (message: SandboxSetup | SandboxJob) => {
    if ("prelude" in message) {
      prelude = new vm.Script(message.prelude, { filename: message.preludeFilename });
      const ready: SandboxReady = { kind: "ready" };
      process.send?.(ready);
      return;
    }
    if (prelude === undefined) throw new Error("sandbox: a job arrived before the prelude");
    process.send?.(run(message, prelude));
  });
  // The parent going away ends the sandbox.
  process.on("disconnect", () => process.exit(0));
}
