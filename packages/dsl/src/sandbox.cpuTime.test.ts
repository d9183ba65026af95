/**
 * The evaluation's time limit is CPU time: a module that computes too long is stopped, a sandbox process
 * the machine is too busy to run is not, up to the wall-clock backstop. The busy machine is made
 * deterministic by stopping the sandbox process (SIGSTOP) while it evaluates, then continuing it. Linux
 * only: elsewhere the CPU time of a process cannot be read and the limit is wall-clock time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { plugins } from "./__tests__/plugins.js";
import { type CompileOptions, type CompileResult, compileModule } from "./compiler.js";
import { readProcStat } from "./cpuTime.js";

const valid = `import { amstaff, every } from "@amstaff/dsl";
import { probeIt } from "test-sampler";

export default amstaff("Busy", (m) => {
  m.monitor("Health", { sampler: probeIt({ url: "http://busy.example" }), timing: every("30s") });
});
`;

/** A module that spins on the CPU until the wall clock reaches `until` (ms since the epoch). */
const spinningUntil = (until: number) => `const until = ${until};\nwhile (Date.now() < until) {}\n${valid}`;

const compile = (source: string, options: Partial<CompileOptions>): Promise<CompileResult> =>
  compileModule(source, { filename: "busy.ts", plugins, typeCheck: false, ...options });

/** The sandbox processes this test process started, with the CPU time each has used. */
function sandboxes(): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.parent !== process.pid) continue;
    try {
      if (
        readFileSync(`/proc/${entry}/cmdline`, "latin1").includes("--disallow-code-generation-from-strings")
      ) {
        found.set(Number(entry), stat.cpuMs);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * Waits (at most 10 s) for a sandbox process to start running a job (its CPU time grows by 30 ms), then
 * stops it for `stoppedMs` of wall-clock time: what a machine too busy to run it does to it.
 */
async function starveWhileRunning(stoppedMs: number): Promise<void> {
  const before = sandboxes();
  for (let waited = 0; waited < 10_000; waited += 5) {
    for (const [pid, cpu] of sandboxes()) {
      if (cpu - (before.get(pid) ?? 0) < 30) continue;
      process.kill(pid, "SIGSTOP");
      try {
        await sleep(stoppedMs);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      return;
    }
    await sleep(5);
  }
  throw new Error("no sandbox process started running the job");
}

describe.runIf(process.platform === "linux")("the evaluation's limit is CPU time", () => {
  it("an endless loop ends with a timeout that says it was CPU time", async () => {
    const result = await compile(`while (true) {}\n${valid}`, { timeoutMs: 300 });
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          code: "timeout",
          line: 1,
          column: 1,
          message: "evaluating the module used more than 300ms of CPU time (an endless loop?)",
        }),
      ],
    });
  });

  it("a sandbox process starved of CPU for longer than the limit still evaluates the module", async () => {
    expect((await compile(valid, {})).ok).toBe(true);
    const started = Date.now();
    // It spins for at most 0.8 s of CPU, under the 1.5 s limit, and is kept off the CPU for 2.5 s.
    const compiled = compile(spinningUntil(started + 800), { timeoutMs: 1500 });
    await starveWhileRunning(2500);
    const result = await compiled;
    expect(result.ok ? result.definition.monitors.map((m) => m.name) : result.errors).toEqual(["Health"]);
    // Longer than the limit in wall-clock time: the limit did not count the time it was starved.
    expect(Date.now() - started).toBeGreaterThan(1500);
  });

  it("a starved evaluation ends at the wall-clock backstop, and says so", async () => {
    expect((await compile(valid, {})).ok).toBe(true);
    const compiled = compile(spinningUntil(Date.now() + 60_000), { timeoutMs: 5000, wallTimeoutMs: 6000 });
    await starveWhileRunning(6500);
    expect(await compiled).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          code: "timeout",
          message:
            "evaluating the module took longer than 6000ms of wall-clock time (an endless loop, or a machine too busy to run it?)",
        }),
      ],
    });
  });

  it("refuses a wall-clock backstop below the CPU time limit", async () => {
    await expect(compile(valid, { timeoutMs: 2000, wallTimeoutMs: 1000 })).rejects.toThrow(
      "compileModule: wallTimeoutMs must be at least timeoutMs (2000), got 1000",
    );
  });
});
