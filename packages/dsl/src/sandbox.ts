import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { bundleFilename, preludeGlobal } from "./bundleModule.js";
import { cpuTimeReadable, watchCpuTime } from "./cpuTime.js";
import {
  type SandboxOutcome as ChildOutcome,
  type SandboxJob,
  type SandboxReady,
  type SandboxSetup,
  sandboxChildMain,
} from "./sandboxChild.js";

/**
 * How running a bundle in the sandbox ended. A timeout says which clock ran out: the CPU time the
 * evaluation used, or the wall-clock time it took (the backstop, or the limit itself where the CPU time
 * of a process cannot be read).
 */
export type SandboxOutcome =
  | Exclude<ChildOutcome, { kind: "timeout" }>
  | { kind: "timeout"; clock: "cpu" | "wall"; limitMs: number };

/** The limits of one evaluation in the sandbox. */
export interface SandboxLimits {
  /** The CPU time the evaluation may use, in ms; wall-clock time where CPU time cannot be read. */
  cpuMs: number;
  /** The wall-clock time the evaluation may take however starved of CPU it is, in ms. */
  wallMs: number;
}

/** The CPU time evaluating a module may use, by default, in ms. */
export const defaultTimeoutMs = 1000;

/** The wall-clock time evaluating a module may take, by default, for a CPU time limit of `timeoutMs`. */
export const defaultWallTimeoutMs = (timeoutMs: number): number => Math.max(30_000, 10 * timeoutMs);

const preludeFilename = "amstaff-prelude.js";

/** The largest JSON a module file may evaluate to. */
export const maxOutputBytes = 5 * 1024 * 1024;

/** The default heap limit of the process that evaluates module files, in MB. */
export const defaultMemoryLimitMb = 128;

// A process that ran this many modules is replaced, so nothing a module leaves behind accumulates.
const jobsPerChild = 500;
// Warm processes kept per memory limit, ready for the next compile.
const maxIdleChildren = 2;
// Beyond the evaluation's own limit: starting a cold process and handing the result back.
const graceMs = 5_000;

let prelude: Promise<string> | undefined;

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

async function buildPrelude(): Promise<string> {
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
  return `${code}\nconst ${preludeGlobal} = Object.freeze(__amstaffRuntime.runtime);\n`;
}

/** The bundled builders and recorders, built once per process. */
export function loadPrelude(): Promise<string> {
  prelude ??= buildPrelude().catch((error: unknown) => {
    prelude = undefined;
    throw error;
  });
  return prelude;
}

interface PooledChild {
  child: ChildProcess;
  jobs: number;
  /** Whether it has the prelude: its CPU time from then on is its jobs'. */
  ready: boolean;
  /** The end of its stderr, where V8 says it ran out of memory. */
  stderr: string;
}

// Strict mode for every function of the process: a stack frame of a strict function hands out neither
// the function nor its `this` (V8's CallSite API), so `Error.prepareStackTrace` in the context cannot
// reach an object of the process' main realm through the frames below it.
const childSource = `"use strict";\n(${sandboxChildMain.toString()})();`;
const pools = new Map<number, PooledChild[]>();

// Node.js 22.13 renamed `--experimental-permission` to `--permission`.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const permissionFlag =
  major > 22 || (major === 22 && minor >= 13) ? "--permission" : "--experimental-permission";

function startChild(preludeCode: string, memoryLimitMb: number): PooledChild {
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${memoryLimitMb}`,
      `--max-semi-space-size=${Math.max(1, Math.min(16, Math.floor(memoryLimitMb / 16)))}`,
      "--stack-size=984",
      // Node's permission model: no file system, child processes, workers or native addons, should code
      // ever get out of the context into the process.
      permissionFlag,
      "--disallow-code-generation-from-strings",
      "-e",
      childSource,
    ],
    {
      // Nothing of the server's environment (tokens, secrets) is visible to the process.
      env: {},
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "advanced",
      windowsHide: true,
    },
  );
  const pooled: PooledChild = { child, jobs: 0, ready: false, stderr: "" };
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    pooled.stderr = (pooled.stderr + chunk).slice(-4096);
  });
  // An idle sandbox does not keep the server (or a CLI) alive.
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  child.on("error", () => undefined);
  const setup: SandboxSetup = { prelude: preludeCode, preludeFilename };
  child.send(setup);
  return pooled;
}

function ref(pooled: PooledChild, on: boolean): void {
  const channel = pooled.child.channel as { ref?: () => void; unref?: () => void } | undefined;
  if (on) {
    pooled.child.ref();
    channel?.ref?.();
  } else {
    pooled.child.unref();
    channel?.unref?.();
  }
}

/**
 * Starts (and runs a trivial module in) a sandbox process, so that the first real compile finds one
 * ready.
 */
export async function warmSandbox(memoryLimitMb = defaultMemoryLimitMb): Promise<void> {
  const limits = { cpuMs: defaultTimeoutMs, wallMs: defaultWallTimeoutMs(defaultTimeoutMs) };
  await runInSandbox(`${preludeGlobal}.finish(undefined);`, limits, { memoryLimitMb });
}

/**
 * Runs a module bundle in a fresh `node:vm` context that has only the JavaScript built-ins, inside a
 * child process with a heap limit: no host object goes in, only the code string, and only a string
 * comes out. With `locate`, the output says where each builder call was made (see sandboxRuntime.ts). An endless loop ends when the process has used `cpuMs` of CPU time on the job (the process
 * is killed), a memory bomb ends the process. A busy machine that gives the process little CPU does not
 * fail the evaluation before `wallMs`. Where a process' CPU time cannot be read (not Linux), `cpuMs` is
 * wall-clock time, as `node:vm`'s own timeout measures it.
 */
export async function runInSandbox(
  code: string,
  limits: SandboxLimits,
  { memoryLimitMb = defaultMemoryLimitMb, locate = true }: { memoryLimitMb?: number; locate?: boolean } = {},
): Promise<SandboxOutcome> {
  const preludeCode = await loadPrelude();
  let pool = pools.get(memoryLimitMb);
  if (pool === undefined) {
    pool = [];
    pools.set(memoryLimitMb, pool);
  }
  let pooled = pool.pop();
  while (pooled !== undefined && (pooled.child.exitCode !== null || pooled.child.signalCode !== null)) {
    pooled = pool.pop();
  }
  pooled ??= startChild(preludeCode, memoryLimitMb);
  const current = pooled;
  const { child } = current;
  current.jobs += 1;
  // While a job runs the process keeps the server alive (a CLI awaiting the result must not exit).
  ref(current, true);
  // The context's own timeout is the wall-clock limit; where the CPU time is watched, the backstop.
  const wall = { clock: "wall" as const, limitMs: cpuTimeReadable ? limits.wallMs : limits.cpuMs };
  const job: SandboxJob = { code, filename: bundleFilename, timeoutMs: wall.limitMs, maxOutputBytes, locate };
  const outcome = await new Promise<SandboxOutcome>((resolveOutcome) => {
    let settled = false;
    let unwatch: (() => void) | undefined;
    const done = (result: SandboxOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch?.();
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolveOutcome(result);
    };
    const start = () => {
      // CPU time, not wall-clock time, is what one module must not take from the others; a process the
      // machine is too busy to run is not looping. A process over it is killed: it is not reused anyway.
      unwatch = watchCpuTime(child.pid, limits.cpuMs, () => {
        child.kill("SIGKILL");
        done({ kind: "timeout", clock: "cpu", limitMs: limits.cpuMs });
      });
      child.send(job, (error) => {
        if (error) done({ kind: "broken", message: "the sandbox could not be reached" });
      });
    };
    const onMessage = (message: ChildOutcome | SandboxReady) => {
      if (message.kind === "ready") {
        current.ready = true;
        start();
      } else done(message.kind === "timeout" ? { kind: "timeout", ...wall } : message);
    };
    const onExit = () => {
      // Give the last of stderr a moment to arrive before reading why the process died.
      setImmediate(() =>
        done(
          /heap out of memory|Allocation failed|Invalid array length|Reached heap limit/i.test(current.stderr)
            ? { kind: "memory" }
            : { kind: "broken", message: "the sandbox stopped while evaluating the module" },
        ),
      );
    };
    // The context's own timeout stops code that runs; this one stops a process that does not answer.
    const timer = setTimeout(() => done({ kind: "timeout", ...wall }), wall.limitMs + graceMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
    // A new process gets the job once it has the prelude, so that its start is not counted as the job's.
    if (current.ready) start();
  });
  const reusable = outcome.kind === "output" || outcome.kind === "too-large";
  if (reusable && current.jobs < jobsPerChild && pool.length < maxIdleChildren) {
    ref(current, false);
    pool.push(current);
    return outcome;
  }
  // A process that timed out, ran out of memory or broke is not reused.
  child.kill("SIGKILL");
  return outcome;
}

/** How many sandbox processes wait, idle, for the next module. */
export function idleSandboxes(): number {
  let idle = 0;
  for (const pool of pools.values()) {
    idle += pool.filter(({ child }) => child.exitCode === null && child.signalCode === null).length;
  }
  return idle;
}

/** Stops every idle sandbox process (they are unref'd, so this is only needed for a clean shutdown). */
export async function closeSandboxes(): Promise<void> {
  const children = [...pools.values()].flat();
  pools.clear();
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
          // Referenced again, so that the process waits for the exit it asked for.
          child.ref();
          child.once("exit", () => resolveExit());
          child.kill("SIGKILL");
        }),
    ),
  );
}
