import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { nodeDefaults, v8Defaults } from "./nodeDefaults.js";

const probe = fileURLToPath(new URL("../../__tests__/restartProbe.ts", import.meta.url));
const hooks = fileURLToPath(new URL("../../../../../scripts/tsHooks.mjs", import.meta.url));

interface Report {
  pid: number;
  execArgv: string[];
  argv: string[];
  switch?: string;
  arenas?: string;
  mmapThreshold?: string;
  trimThreshold?: string;
  kept?: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/**
 * Runs the probe as `node <flags> --import tsHooks restartProbe.ts <action>` with these variables (and
 * none of the settings under test from this process' environment).
 */
function run(action: string, env: NodeJS.ProcessEnv = {}, flags: string[] = []) {
  const {
    AMSTAFF_NODE_DEFAULTS,
    MALLOC_ARENA_MAX,
    MALLOC_MMAP_THRESHOLD_,
    MALLOC_TRIM_THRESHOLD_,
    ...inherited
  } = process.env;
  const child = spawn(process.execPath, [...flags, "--import", hooks, probe, action], {
    env: { ...inherited, KEPT: "yes", ...env },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const report = new Promise<Report>((resolve) =>
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.includes("\n")) resolve(JSON.parse(stdout.slice(0, stdout.indexOf("\n"))));
    }),
  );
  const closed = (once(child, "close") as Promise<[number | null, NodeJS.Signals | null]>).then(
    ([code, signal]) => ({ code, signal, starts: stderr.match(/^start /gm)?.length ?? 0 }),
  );
  return { child, report, closed };
}

describe("amstaff-server's node defaults (the process started again in place)", () => {
  it("starts once more with the defaults, keeping the operator's flags, arguments, variables and PID", async () => {
    const { child, report, closed } = run("exit:0", {}, ["--max-old-space-size=300", "--no-warnings"]);
    const seen = await report;
    expect(seen.pid).toBe(child.pid);
    expect(seen.execArgv).toEqual([
      "--max-semi-space-size=16",
      "--max-old-space-size=300",
      "--no-warnings",
      "--import",
      hooks,
    ]);
    expect(seen).toMatchObject({
      argv: ["exit:0"],
      switch: "applied",
      arenas: "2",
      mmapThreshold: "1048576",
      trimThreshold: "8388608",
      kept: "yes",
    });
    // The first process and the restarted one, and no third: the variable it carries stops a loop.
    expect(await closed).toEqual({ code: 0, signal: null, starts: 2 });
  });

  it("ends with the node's exit code, and signals reach the node itself", async () => {
    expect(await run("exit:3").closed).toMatchObject({ code: 3, starts: 2 });
    const waiting = run("wait");
    await waiting.report;
    waiting.child.kill("SIGTERM");
    expect(await waiting.closed).toMatchObject({ code: null, signal: "SIGTERM" });
  });

  it("leaves the operator's own values alone, and does nothing with AMSTAFF_NODE_DEFAULTS=off", async () => {
    const one = run("exit:0", { MALLOC_ARENA_MAX: "4" });
    expect(await one.report).toMatchObject({ arenas: "4", mmapThreshold: "1048576" });
    expect((await one.closed).starts).toBe(2);
    const all = { MALLOC_ARENA_MAX: "4", MALLOC_MMAP_THRESHOLD_: "131072", MALLOC_TRIM_THRESHOLD_: "0" };
    const given = run("exit:0", all, ["--max-semi-space-size=32"]);
    expect(await given.report).toMatchObject({
      arenas: "4",
      mmapThreshold: "131072",
      trimThreshold: "0",
      execArgv: ["--max-semi-space-size=32", "--import", hooks],
    });
    expect((await given.closed).starts).toBe(1);
    // A flag in NODE_OPTIONS is given too; only the missing variables start the node again.
    const options = run("exit:0", { MALLOC_ARENA_MAX: "4", NODE_OPTIONS: "--max-semi-space-size=8" });
    expect(await options.report).toMatchObject({ arenas: "4", execArgv: ["--import", hooks] });
    const off = run("exit:0", { AMSTAFF_NODE_DEFAULTS: "off" });
    expect(await off.report).toMatchObject({ execArgv: ["--import", hooks], switch: "off" });
    expect((await off.report).arenas).toBeUndefined();
    expect((await off.closed).starts).toBe(1);
  });

  it("says what a process lacks, and nothing once started again", () => {
    const current = {
      execPath: "/bin/node",
      execArgv: ["--cpu-prof"],
      argv: ["/bin/node", "/srv/cli.js", "--port", "0"],
    };
    expect(nodeDefaults({ ...current, env: { HOME: "/home/a" } })).toEqual({
      args: ["/bin/node", "--max-semi-space-size=16", "--cpu-prof", "/srv/cli.js", "--port", "0"],
      env: {
        HOME: "/home/a",
        MALLOC_ARENA_MAX: "2",
        MALLOC_MMAP_THRESHOLD_: "1048576",
        MALLOC_TRIM_THRESHOLD_: "8388608",
        AMSTAFF_NODE_DEFAULTS: "applied",
      },
    });
    expect(nodeDefaults({ ...current, env: { AMSTAFF_NODE_DEFAULTS: "applied" } })).toBeUndefined();
    const operators = { MALLOC_ARENA_MAX: "8", MALLOC_MMAP_THRESHOLD_: "1", MALLOC_TRIM_THRESHOLD_: "1" };
    expect(nodeDefaults({ ...current, env: operators })?.args).toEqual([
      "/bin/node",
      "--max-semi-space-size=16",
      "--cpu-prof",
      "/srv/cli.js",
      "--port",
      "0",
    ]);
    expect(
      nodeDefaults({ ...current, execArgv: ["--max_semi_space_size=64"], env: operators }),
    ).toBeUndefined();
    expect(nodeDefaults({ ...current, env: { MALLOC_ARENA_MAX: "8" } })?.env).toMatchObject({
      MALLOC_ARENA_MAX: "8",
      MALLOC_MMAP_THRESHOLD_: "1048576",
    });
  });

  it("sets V8's settings the operator did not give on Node's command line, none with AMSTAFF_NODE_DEFAULTS=off", () => {
    const env = { AMSTAFF_NODE_DEFAULTS: "applied" };
    expect(v8Defaults({ execArgv: ["--max-old-space-size=300"], env })).toEqual([
      "--no-allocation-site-pretenuring",
      "--heap-growing-percent=30",
    ]);
    expect(v8Defaults({ execArgv: ["--heap-growing-percent=50"], env })).toEqual([
      "--no-allocation-site-pretenuring",
    ]);
    // Either spelling of the flag, on or off, is the operator's choice.
    for (const given of [
      "--allocation-site-pretenuring",
      "--no-allocation_site_pretenuring",
      "--noallocation-site-pretenuring",
    ])
      expect(v8Defaults({ execArgv: [given], env })).toEqual(["--heap-growing-percent=30"]);
    // A flag whose name merely starts with "no" is another flag.
    expect(v8Defaults({ execArgv: ["--node-memory-debug"], env })).toHaveLength(2);
    expect(v8Defaults({ execArgv: [], env: { AMSTAFF_NODE_DEFAULTS: "off" } })).toEqual([]);
  });
});
