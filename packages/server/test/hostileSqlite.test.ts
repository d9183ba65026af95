import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, ServerProcess } from "./serverProcess.js";

/** Counts to infinity: only killing its connection stops it. */
const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

const workspace = mkdtempSync(join(tmpdir(), "amstaff-hostile-sqlite-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/** A SQLite file with a table `t` of three rows. */
function database(path: string): string {
  const db = new Database(path);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);");
  db.close();
  return path;
}

function moduleOf(
  name: string,
  monitors: Array<{ name: string; path: string; query?: string; extra?: string }>,
) {
  const lines = monitors.map(
    (m) =>
      `  m.monitor(${JSON.stringify(m.name)}, {\n    sampler: sqlite(${JSON.stringify(m.path)}, { query: ${JSON.stringify(m.query ?? "SELECT count(*) FROM t")}${m.extra ?? ""} }),\n    timing: every("1s"),\n  });`,
  );
  return `import { amstaff, every } from "@amstaff/dsl";
import { sqlite } from "@amstaff/sampler-sql";

export default amstaff(${JSON.stringify(name)}, (m) => {
${lines.join("\n")}
});
`;
}

/** The 1-based line and column of `sqlite(` in the n-th monitor of {@link moduleOf}'s source. */
const sqliteCallAt = (source: string, n: number) => {
  const lines = source.split("\n");
  const indexes = lines.flatMap((line, i) => (line.includes("sampler: sqlite(") ? [i] : []));
  const index = indexes[n]!;
  return { line: index + 1, column: lines[index]!.indexOf("sqlite(") + 1 };
};

/** The pid of the server process using `dataDir`. */
function serverPid(dataDir: string): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.some((a) => a.endsWith("dist/cli.js")) && args.includes(dataDir)) return Number(entry);
    } catch {}
  }
  throw new Error(`no server process for ${dataDir}`);
}

/** The live (not zombie) SQLite connection processes whose parent is `pid`, with their CPU ticks. */
function sqliteChildren(pid: number): Array<{ pid: number; cpuTicks: number }> {
  const children: Array<{ pid: number; cpuTicks: number }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== pid || fields[0] === "Z") continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("better-sqlite3")) continue;
      children.push({ pid: Number(entry), cpuTicks: Number(fields[11]) + Number(fields[12]) });
    } catch {}
  }
  return children;
}

const threadsOf = (pid: number) =>
  Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);

async function monitor(server: ServerProcess, module: string, name: string) {
  const list = (await server.api(`/monitors?module=${encodeURIComponent(module)}`)).body as Array<{
    monitor: string;
    status: string;
    lastResult: { message: string } | null;
    lastRunAt: number | null;
  }>;
  return list.find((m) => m.monitor === name);
}

describe("SQLite files and runaway queries, against a real server process", () => {
  it("opens SQLite files under --sqlite-root only, never the data directory, at push and at run time", async () => {
    // The root contains the data directory: it must stay out of reach all the same.
    const root = join(workspace, "root");
    mkdirSync(root);
    const outside = mkdtempSync(join(workspace, "outside-"));
    await using server = new ServerProcess(join(root, "data"), { args: ["--sqlite-root", root] });
    await server.start();
    const good = database(join(root, "good.db"));
    const stray = database(join(outside, "stray.db"));
    symlinkSync(join(server.dataDir, "raft.db"), join(root, "link-to-raft.db"));

    const hostile = moduleOf("Hostile", [
      {
        name: "raft log",
        path: join(server.dataDir, "raft.db"),
        query: "SELECT count(*) FROM sqlite_master",
      },
      {
        name: "state",
        path: join(server.dataDir, "amstaff.db"),
        query: "SELECT count(*) FROM sqlite_master",
      },
      { name: "symlink", path: join(root, "link-to-raft.db"), query: "SELECT 1" },
      { name: "outside", path: stray },
    ]);
    const refused = await server.api("/monitor", { method: "POST", body: hostile });
    expect(refused.status).toBe(400);
    const errors = refused.body.errors as Array<{ line: number; column: number; message: string }>;
    expect(errors.map((e) => ({ line: e.line, column: e.column }))).toEqual(
      [0, 1, 2, 3].map((n) => sqliteCallAt(hostile, n)),
    );
    expect(errors[0]!.message).toBe(
      `sqlite(): SQLite file ${join(server.dataDir, "raft.db")}: it is inside the server's data directory, which modules never read`,
    );
    expect(errors[1]!.message).toContain("amstaff.db: it is inside the server's data directory");
    expect(errors[2]!.message).toBe(
      `sqlite(): SQLite file ${join(root, "link-to-raft.db")}: it is inside the server's data directory, which modules never read (after following symlinks)`,
    );
    expect(errors[3]!.message).toBe(
      `sqlite(): SQLite file ${stray}: it is outside every --sqlite-root of this server; its operator can allow its directory with --sqlite-root`,
    );
    expect((await server.api("/modules")).body).toEqual([]);

    // Inside the root: works. The link is checked again whenever a connection opens the file (idle
    // connections close after 500 ms, so every probe opens it).
    const link = join(root, "link.db");
    symlinkSync(good, link);
    const fine = moduleOf("Fine", [
      { name: "good", path: good, extra: ", equals: 3" },
      { name: "via link", path: link, extra: `, equals: 3, idleTimeout: "500ms", poolSize: 1` },
    ]);
    expect((await server.api("/monitor", { method: "POST", body: fine })).status).toBe(201);
    for (const name of ["good", "via link"]) {
      await eventually(
        async () => ((await monitor(server, "Fine", name))?.status === "ok" ? true : undefined),
        30_000,
        `${name} ok`,
      );
    }
    // Someone swaps the link for one into the data directory after the push: refused when opened.
    unlinkSync(link);
    symlinkSync(join(server.dataDir, "amstaff.db"), link);
    const swapped = await eventually(
      async () => {
        const m = await monitor(server, "Fine", "via link");
        return m?.status === "unknown" ? m : undefined;
      },
      30_000,
      "the swapped link refused",
    );
    expect(swapped.lastResult?.message).toBe(
      "it is inside the server's data directory, which modules never read (after following symlinks) (sqlite:" +
        `${link})`,
    );
  }, 180_000);

  it("never lets a query ATTACH another file to a pooled connection (the Raft log past the roots)", async () => {
    const root = mkdtempSync(join(workspace, "attach-root-"));
    await using server = new ServerProcess(undefined, { args: ["--sqlite-root", root] });
    await server.start();
    const good = database(join(root, "good.db"));
    // Two monitors on one allowed file and one connection: the first attaches the server's Raft log,
    // the second reads it through that connection.
    const source = moduleOf("Attach", [
      {
        name: "attach",
        path: good,
        query: `ATTACH DATABASE '${join(server.dataDir, "raft.db")}' AS r`,
        extra: ", poolSize: 1",
      },
      { name: "read", path: good, query: "SELECT count(*) FROM r.entries", extra: ", poolSize: 1" },
    ]);
    expect((await server.api("/monitor", { method: "POST", body: source })).status).toBe(201);
    const attach = await eventually(
      async () => {
        const m = await monitor(server, "Attach", "attach");
        return m?.lastRunAt ? m : undefined;
      },
      30_000,
      "the attach monitor's first probe",
    );
    expect(attach.status).toBe("unknown");
    expect(attach.lastResult?.message).toContain("ATTACH, VACUUM, PRAGMA assignments and writes are refused");
    // Let both run a few times in either order: the second never sees the attached file.
    await eventually(
      async () => {
        const m = await monitor(server, "Attach", "read");
        return m?.lastRunAt && m.lastRunAt > attach.lastRunAt! + 2_000 ? m : undefined;
      },
      30_000,
      "the read monitor probing after the attach",
    );
    const read = await monitor(server, "Attach", "read");
    expect(read?.status).toBe("unknown");
    expect(read?.lastResult?.message).toContain("no such table: r.entries");
  }, 120_000);

  it("refuses every sqlite() when no root is configured, saying how to allow it", async () => {
    const dir = mkdtempSync(join(workspace, "noroot-"));
    const file = database(join(dir, "x.db"));
    await using server = new ServerProcess();
    await server.start();
    const source = moduleOf("Any", [{ name: "x", path: file }]);
    const refused = await server.api("/monitor", { method: "POST", body: source });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toMatchObject([
      {
        ...sqliteCallAt(source, 0),
        message: `sqlite(): SQLite file ${file}: this server opens no SQLite files; its operator allows a directory with --sqlite-root <dir> (or AMSTAFF_SQLITE_ROOTS)`,
      },
    ]);
  }, 180_000);

  it("kills runaway queries at their timeout, stops them when the module is deleted, and still stops on SIGTERM within its bound", async () => {
    const root = mkdtempSync(join(workspace, "runaway-"));
    const file = database(join(root, "busy.db"));
    await using server = new ServerProcess(undefined, { env: { AMSTAFF_SQLITE_ROOTS: root } });
    await server.start();
    const pid = serverPid(server.dataDir);

    // Every second, a query that never ends, with a 1 s timeout.
    const runaway = moduleOf("Runaway", [
      { name: "endless", path: file, query: endless, extra: `, timeout: "1s"` },
    ]);
    expect((await server.api("/monitor", { method: "POST", body: runaway })).status).toBe(201);
    const critical = await eventually(
      async () => {
        const m = await monitor(server, "Runaway", "endless");
        return m?.status === "critical" ? m : undefined;
      },
      30_000,
      "critical",
    );
    expect(critical.lastResult?.message).toMatch(/^query did not finish within 1000 ms \(WITH RECURSIVE/);
    const threadsAtFirst = threadsOf(pid);
    const firstRun = critical.lastRunAt ?? 0;
    // Ten more timed-out probes: still at most one connection process (the pool's size is 4, one
    // monitor uses one at a time), and no thread left behind per probe. A process may start libuv's
    // pool of 4 threads once, at its first use, which can fall among these probes: a thread left per
    // probe would be 10 more.
    await eventually(
      async () => {
        const m = await monitor(server, "Runaway", "endless");
        return (m?.lastRunAt ?? 0) >= firstRun + 10_000 ? true : undefined;
      },
      60_000,
      "ten more probes",
    );
    expect(sqliteChildren(pid).length).toBeLessThanOrEqual(1);
    expect(threadsOf(pid)).toBeLessThanOrEqual(threadsAtFirst + 4 + 2);

    expect((await server.api("/modules/Runaway", { method: "DELETE" })).status).toBe(200);
    await eventually(() => (sqliteChildren(pid).length === 0 ? true : undefined), 15_000, "no children");

    // A query with a timeout of 5 minutes is in flight when its module is deleted: it is killed at once.
    const long = (name: string) =>
      moduleOf(name, [{ name: "endless", path: file, query: endless, extra: `, timeout: "5m"` }]);
    const spinning = () =>
      eventually(() => {
        const children = sqliteChildren(pid);
        return children.length === 1 && children[0]!.cpuTicks > 0 ? children[0] : undefined;
      }, 30_000);
    expect((await server.api("/monitor", { method: "POST", body: long("Long") })).status).toBe(201);
    const deleted = await spinning();
    expect((await server.api("/modules/Long", { method: "DELETE" })).status).toBe(200);
    await eventually(
      () => (existsSync(`/proc/${deleted.pid}/stat`) ? undefined : true),
      15_000,
      "the deleted module's query to stop",
    );

    // Another is in flight when SIGTERM comes: the server still exits, within its documented 10 s
    // bound, and its connection processes with it.
    expect((await server.api("/monitor", { method: "POST", body: long("Longer") })).status).toBe(201);
    const busy = [await spinning()];
    const started = Date.now();
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await eventually(
      () => (existsSync(`/proc/${busy[0]!.pid}/stat`) ? undefined : true),
      5_000,
      "child gone",
    );
  }, 180_000);

  it("exits at once on a second SIGTERM, taking its runaway queries with it", async () => {
    const root = mkdtempSync(join(workspace, "double-"));
    const file = database(join(root, "busy.db"));
    await using server = new ServerProcess(undefined, { args: ["--sqlite-root", root] });
    await server.start();
    const pid = serverPid(server.dataDir);
    const long = moduleOf("Long", [
      { name: "endless", path: file, query: endless, extra: `, timeout: "5m"` },
    ]);
    expect((await server.api("/monitor", { method: "POST", body: long })).status).toBe(201);
    const busy = await eventually(() => {
      const children = sqliteChildren(pid);
      return children.length === 1 ? children : undefined;
    }, 30_000);
    server.signal("SIGTERM");
    const code = await server.stop("SIGTERM");
    expect([0, 1]).toContain(code);
    await eventually(
      () => (existsSync(`/proc/${busy[0]!.pid}/stat`) ? undefined : true),
      5_000,
      "child gone",
    );
  }, 180_000);
});
