import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parsePluginOptions, resolveSecrets } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { sqliteFixture } from "./__tests__/databases.js";
import { SqlFailure } from "./driver.js";
import { sqlPlugin } from "./plugin.js";
import { openSqlite, sqliteProcesses } from "./sqliteDriver.js";
import { sqlSampler } from "./sqlSampler.js";

/** Counts to infinity: only a kill stops it. */
const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

const threadsOfThisProcess = () =>
  Number(/^Threads:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
const alive = (pid: number) => {
  // A killed child stays a zombie until Node reaps it; a zombie holds no CPU and no memory.
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
};

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the SQLite connection pool", () => {
  it("kills a runaway query's process at its timeout, so repeated runaway probes leave nothing running", async () => {
    using db = sqliteFixture();
    const sampler = sqlSampler({ url: `sqlite://${db.path}`, query: endless, timeout: "300ms", poolSize: 2 });
    const warm = sqlSampler({ url: `sqlite://${db.path}`, query: "SELECT 1", poolSize: 2 });
    try {
      expect((await warm.probe()).status).toBe("ok");
      const threadsBefore = threadsOfThisProcess();
      const seen = new Set<number>();
      const watch = setInterval(() => {
        for (const pid of sqliteProcesses()) seen.add(pid);
      }, 20);
      try {
        for (let i = 0; i < 6; i++) {
          const result = await sampler.probe();
          expect(result.status).toBe("critical");
          expect(result.message).toMatch(/^query did not finish within 300 ms \(WITH RECURSIVE c/);
        }
      } finally {
        clearInterval(watch);
      }
      const runaway = [...seen].filter((pid) => !sqliteProcesses().includes(pid));
      expect(runaway.length).toBeGreaterThanOrEqual(5);
      await until(() => runaway.every((pid) => !alive(pid)), "the runaway processes to die");
      // At most the pool's two processes remain, whatever the number of runaway probes.
      expect(sqliteProcesses().length).toBeLessThanOrEqual(2);
      // No thread per runaway query either (the worker-thread design left one spinning per probe).
      expect(threadsOfThisProcess()).toBeLessThanOrEqual(threadsBefore + 1);
      // The pool still answers.
      expect((await warm.probe()).status).toBe("ok");
    } finally {
      await sampler.dispose?.();
      await warm.dispose?.();
    }
    await until(() => sqliteProcesses().length === 0, "the pool to close its processes");
  });

  it("reuses its processes for query after query", async () => {
    using db = sqliteFixture();
    const driver = await openSqlite({ path: db.path, poolSize: 2, idleTimeoutMs: 30_000 });
    try {
      const signal = new AbortController().signal;
      for (let i = 0; i < 10; i++) {
        const outcome = await driver.query("SELECT count(*) FROM t", { timeoutMs: 1000, signal });
        expect(outcome.firstRow).toEqual([3]);
      }
      expect(sqliteProcesses()).toHaveLength(1);
    } finally {
      await driver.close();
    }
  });

  it("kills busy processes too on close, and waits for them", async () => {
    using db = sqliteFixture();
    const driver = await openSqlite({ path: db.path, poolSize: 3, idleTimeoutMs: 30_000 });
    const signal = new AbortController().signal;
    const running = Array.from({ length: 3 }, () =>
      driver.query(endless, { timeoutMs: 60_000, signal }).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    await until(() => sqliteProcesses().length === 3, "three busy processes");
    const pids = sqliteProcesses();
    await driver.close();
    expect(pids.some(alive)).toBe(false);
    expect(sqliteProcesses()).toEqual([]);
    for (const error of await Promise.all(running)) {
      expect(error).toBeInstanceOf(SqlFailure);
      expect((error as SqlFailure).message).toBe("SQLite connection failed: the SQLite pool was closed");
    }
  });

  it("checks the file with the host each time a process opens it, and opens the real path", async () => {
    using db = sqliteFixture();
    let allowed = true;
    const asked: string[] = [];
    const driver = await openSqlite({
      path: "/nonexistent/alias.db",
      poolSize: 1,
      idleTimeoutMs: 30_000,
      resolve: (path) => {
        asked.push(path);
        return allowed ? { ok: true, path: db.path } : { ok: false, reason: "not under a --sqlite-root" };
      },
    });
    const signal = new AbortController().signal;
    try {
      expect((await driver.query("SELECT count(*) FROM t", { timeoutMs: 1000, signal })).firstRow).toEqual([
        3,
      ]);
      // A runaway query kills the process; the next one is checked again, and now refused.
      const aborting = new AbortController();
      const runaway = driver.query(endless, { timeoutMs: 1000, signal: aborting.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      aborting.abort(new Error("timed out"));
      await expect(runaway).rejects.toThrow("timed out");
      allowed = false;
      await expect(driver.query("SELECT 1", { timeoutMs: 1000, signal })).rejects.toMatchObject({
        kind: "refused",
        message: "not under a --sqlite-root",
      });
      expect(asked).toEqual(["/nonexistent/alias.db", "/nonexistent/alias.db"]);
    } finally {
      await driver.close();
    }
  });

  it("reports a refused file as unknown, naming the reason", async () => {
    using db = sqliteFixture();
    const refused = sqlPlugin.create(
      resolveSecrets(parsePluginOptions(sqlPlugin, { url: `sqlite://${db.path}`, query: "SELECT 1" })),
      {
        name: "x",
        tags: [],
        host: { files: { resolve: () => ({ ok: false, reason: "no --sqlite-root allows it" }) } },
      },
    );
    try {
      const result = await refused.probe({ signal: new AbortController().signal });
      expect(result.status).toBe("unknown");
      expect(result.message).toBe(`no --sqlite-root allows it (sqlite:${db.path})`);
    } finally {
      await refused.dispose?.();
    }
  });

  it("lets a program that disposes its sampler exit by itself", () => {
    using db = sqliteFixture();
    const hooks = fileURLToPath(new URL("../../../scripts/tsHooks.mjs", import.meta.url));
    const script = fileURLToPath(new URL("./__tests__/probeOnce.ts", import.meta.url));
    const run = spawnSync(
      process.execPath,
      ["--import", hooks, "--conditions=@amstaff/source", script, db.path],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.stderr).not.toContain("unsettled top-level await");
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: "ok\n" });
  });

  it("does not leave a runaway connection process behind when its parent is killed with SIGKILL", async () => {
    using db = sqliteFixture();
    const hooks = fileURLToPath(new URL("../../../scripts/tsHooks.mjs", import.meta.url));
    const script = fileURLToPath(new URL("./__tests__/runawayOrphan.ts", import.meta.url));
    const parent = spawn(
      process.execPath,
      ["--import", hooks, "--conditions=@amstaff/source", script, db.path],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    parent.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await until(() => output.includes("\n"), "the connection process's pid", 60_000);
      const pid = Number(output.trim());
      expect(alive(pid)).toBe(true);
      parent.kill("SIGKILL");
      // No exit hook runs on SIGKILL: the connection process's own watchdog notices it was orphaned.
      await until(() => !alive(pid), "the orphaned connection process to die");
    } finally {
      parent.kill("SIGKILL");
    }
  }, 90_000);
});
