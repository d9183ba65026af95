import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditPadding } from "./auditPadding.js";
import { EtcdCluster } from "./etcdCluster.js";
import { startTarget } from "./localServers.js";
import { eventually, ServerProcess, startCluster } from "./serverProcess.js";

const cli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "amstaff-export-"));

/** A real etcd (one member: the move is what is tested here, not etcd's failover) for the etcd engine. */
let etcd: EtcdCluster | undefined;
let prefixes = 0;
/** The flags that run a server on an engine; each etcd server gets a key prefix of its own. */
const engines: Record<string, () => string[]> = {
  raft: () => [],
  etcd: () => ["--etcd", etcd!.endpoints.join(","), "--etcd-prefix", `/amstaff-export-${++prefixes}`],
};
/**
 * Each move exports from the first engine and imports into the second, then moves back: Raft to etcd and
 * back covers both directions between the engines.
 */
const moves: [string, string][] = [["raft", "etcd"]];

beforeAll(async () => {
  etcd = await EtcdCluster.start(1);
}, 60_000);
afterAll(async () => {
  await etcd?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `amstaff` against a server; never throws, answers its exit code and output. */
async function amstaff(server: ServerProcess, args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { ...process.env, AMSTAFF_URL: server.url, AMSTAFF_TOKEN: server.token },
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code, out: failed.stdout ?? "", err: failed.stderr ?? "" };
  }
}

const moduleSource = (name: string, monitor: string, targetUrl: string, hookUrl: string) =>
  `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor(${JSON.stringify(monitor)}, {
    sampler: httpGet({ url: "${targetUrl}/${monitor}" }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/${monitor}" })],
  });
});
`;

/**
 * What a user reads of a cluster's state, through the API. The parts that are the node's own and not
 * the state's are left out: a module's `version` (a log index of the cluster that holds it) and a
 * monitor's latest sample and schedule; a delivery's attempts go on on the node that owns it.
 */
async function views(server: ServerProcess) {
  const get = async (path: string) => {
    const { status, body } = await server.api(path);
    expect(status, path).toBe(200);
    return body;
  };
  const modules = await get("/modules");
  return {
    modules: modules.map(({ version: _version, ...m }: { version: number }) => m),
    history: await Promise.all(
      modules.map((m: { name: string }) => get(`/modules/${encodeURIComponent(m.name)}/history`)),
    ),
    monitors: (await get("/monitors")).map(
      (m: Record<string, unknown>) => [m.module, m.monitor, m.status, m.since, m.incident] as const,
    ),
    deliveries: (await get("/deliveries")).map(
      (d: Record<string, unknown>) => [d.id, d.transitionId, d.handler, d.transition] as const,
    ),
    silences: await get("/silences"),
    audit: await get("/audit"),
  };
}

type Views = Awaited<ReturnType<typeof views>>;

/** The target shows what the source showed, and its audit one more entry: the import's. */
function expectMoved(target: Views, source: Views): void {
  expect(target.modules).toEqual(source.modules);
  expect(target.history).toEqual(source.history);
  expect(target.monitors).toEqual(source.monitors);
  expect(target.deliveries).toEqual(source.deliveries);
  expect(target.silences).toEqual(source.silences);
  expect(target.audit[0]).toMatchObject({ action: "state.import", actor: { name: expect.any(String) } });
  expect(target.audit.slice(1)).toEqual(source.audit);
}

/** Pushes two modules, Payments (monitor `api`) and Billing (monitor `db`), each notifying the hook. */
async function pushModules(server: ServerProcess, targetUrl: string, hookUrl: string): Promise<void> {
  for (const [name, monitor] of [
    ["Payments", "api"],
    ["Billing", "db"],
  ] as const) {
    const pushed = await server.api("/monitor", {
      method: "POST",
      body: moduleSource(name, monitor, targetUrl, hookUrl),
    });
    expect(pushed.status).toBe(201);
  }
}

/**
 * Replaces the server's state by `document`'s with a long audit: a state of megabytes goes through the
 * log as one command (on etcd, above its request limit, staged as chunks and committed by a small entry).
 */
async function replaceWithMegabytes(server: ServerProcess, document: { state: object }): Promise<void> {
  const big = JSON.stringify({ ...document, state: { ...document.state, audit: auditPadding(30_000) } });
  expect(big.length).toBeGreaterThan(8 * 1024 * 1024);
  const replaced = await server.api("/import?replace=true", { method: "POST", body: big });
  expect(replaced).toMatchObject({ status: 200, body: { modules: 2, replaced: true } });
  expect((await server.api("/audit?limit=2")).body).toMatchObject([
    { action: "state.import", detail: expect.stringContaining("replacing") },
    { action: "padding", index: 30_000 },
  ]);
}

/** A token of role write: below the admin role both routes need. */
const writer = "export-ci-token-0123456789";

/** A running server of `engine` on a fresh data directory. */
async function serverOf(engine: string): Promise<ServerProcess> {
  const server = new ServerProcess(undefined, {
    args: engines[engine]!(),
    env: { AMSTAFF_TOKENS: `ci=${writer}` },
  });
  await server.start();
  return server;
}

describe.each(moves)("amstaff export from a %s cluster, amstaff import into a %s one", (from, to) => {
  it("moves the whole state, refuses to import over one, delivers what was pending once, and moves back", async () => {
    await using target = await startTarget();
    // The handlers' endpoint: failing at first, so that a delivery is still pending at the move.
    await using hook = await startTarget();
    await using a = await serverOf(from);
    await pushModules(a, target.url, hook.url);
    await eventually(
      async () =>
        (await a.api("/monitors")).body.every((m: { status: string }) => m.status === "ok") || undefined,
      30_000,
      "every monitor ok",
    );
    // A transition with a pending delivery and an open incident, and a silence.
    hook.statusOf.set("/api", 500);
    target.statusOf.set("/api", 500);
    await eventually(
      async () => {
        const [delivery] = (await a.api("/deliveries?module=Payments")).body;
        return delivery?.status === "pending" && delivery.attempts >= 1 ? true : undefined;
      },
      30_000,
      "a pending delivery",
    );
    const silenced = await a.api("/silences", {
      method: "POST",
      body: JSON.stringify({ module: "Billing", for: "2h", reason: "moving" }),
    });
    expect(silenced.status).toBe(201);

    const file = join(work, `${from}-${to}.json`);
    const exported = await amstaff(a, ["export", "--out", file]);
    expect(exported, exported.err).toMatchObject({ code: 0 });
    expect(exported.out).toContain("exported 2 module(s)");
    const before = await views(a);
    const document = JSON.parse(readFileSync(file, "utf8"));
    expect(document).toMatchObject({
      format: "amstaff-export",
      version: 1,
      source: { clusterId: expect.any(String) },
    });
    expect(document.state).not.toHaveProperty("members");
    expect(document.state).not.toHaveProperty("grants");
    // The source stops before the target starts: only one cluster may run the modules at a time.
    await a.stop();

    await using b = await serverOf(to);
    const clusterOfB = (await b.api("/cluster")).body.clusterId;
    const imported = await amstaff(b, ["import", file]);
    expect(imported, imported.err).toMatchObject({ code: 0 });
    expect(imported.out).toContain("imported 2 module(s)");
    const after = await views(b);
    expectMoved(after, before);
    // The target keeps its own identity.
    expect((await b.api("/cluster")).body.clusterId).toBe(clusterOfB);
    expect(clusterOfB).not.toBe(document.source.clusterId);

    // A second import over modules is refused and changes nothing; so are files that are not exports.
    const again = await amstaff(b, ["import", file]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already has 2 module(s)");
    const refused = (body: string) => b.api("/import", { method: "POST", body });
    const newer = await refused(JSON.stringify({ ...document, version: 2 }));
    expect(newer).toMatchObject({ status: 400, body: { error: { code: "AMS_ERR_REQUEST_INVALID" } } });
    expect(newer.body.error.message).toContain("version 2");
    expect((await refused("{ not json")).status).toBe(400);
    const stranger = await refused(JSON.stringify({ modules: [] }));
    expect(stranger.body.error.message).toContain("not an Amstaff export");
    const damaged = await refused(
      JSON.stringify({ ...document, state: { ...document.state, modules: "x" } }),
    );
    expect(damaged.status).toBe(400);
    expect(damaged.body.error.message).toContain("damaged");
    for (const [method, path] of [
      ["GET", "/export"],
      ["POST", "/import?replace=true"],
    ]) {
      const denied = await b.api(path!, {
        method,
        body: method === "POST" ? file : undefined,
        token: writer,
      });
      expect(denied, path).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_ROLE" } } });
    }
    expect((await views(b)).audit).toEqual(after.audit);

    // The handler's endpoint comes back: the new owner delivers the pending delivery, once.
    const sentBefore = hook.probes.length;
    hook.statusOf.delete("/api");
    const [pending] = before.deliveries;
    await eventually(
      async () => (await b.api(`/deliveries?module=Payments`)).body[0]?.status === "delivered" || undefined,
      60_000,
      "the pending delivery delivered",
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hook.probes.slice(sentBefore).filter((p) => p.path === "/api")).toHaveLength(1);
    expect((await b.api("/deliveries?module=Payments")).body[0].id).toBe(pending![0]);

    // And back, into a fresh cluster of the first engine: a delivered delivery stays delivered.
    const back = await b.api("/export");
    expect(back.status).toBe(200);
    const ofB = await views(b);
    await replaceWithMegabytes(b, back.body);
    await b.stop();
    await using c = await serverOf(from);
    const returned = await c.api("/import", { method: "POST", body: JSON.stringify(back.body) });
    expect(returned).toMatchObject({ status: 200, body: { modules: 2, replaced: false } });
    expectMoved(await views(c), ofB);
    expect((await c.api("/deliveries?module=Payments")).body[0].status).toBe("delivered");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hook.probes.slice(sentBefore).filter((p) => p.path === "/api")).toHaveLength(1);

    // A replace is explicit: the cluster's state becomes the file's. A file over the import limit is
    // refused before it is read.
    await replaceWithMegabytes(c, back.body);
    const tooBig = await c.api("/import", { method: "POST", body: "x".repeat(49 * 1024 * 1024) });
    expect(tooBig).toMatchObject({ status: 413, body: { error: { code: "AMS_ERR_REQUEST_TOO_LARGE" } } });
  }, 240_000);
});

describe("an import into a three-node cluster", () => {
  it("goes through a follower as one command of a megabyte, and the cluster's nodes run what it brought", async () => {
    await using target = await startTarget();
    await using hook = await startTarget();
    await using a = await serverOf("raft");
    await pushModules(a, target.url, hook.url);
    const exported = await a.api("/export?consistent=true");
    expect(exported.status).toBe(200);
    await a.stop();
    // A long audit makes the command a megabyte: forwarded to the leader, replicated, applied everywhere.
    // (Commands of a few megabytes stall a three-node Raft cluster on a loaded machine: see the README.)
    const padding = auditPadding(4_000);
    const { state } = exported.body;
    const body = JSON.stringify({
      ...exported.body,
      state: { ...state, audit: [...padding, ...state.audit] },
    });

    await using nodes = await startCluster();
    const follower = await eventually(
      async () => {
        const { body: view } = await nodes.get("a")!.api("/cluster");
        const id = view.members.find((m: { role: string }) => m.role === "follower")?.id;
        return id === undefined ? undefined : nodes.get(id);
      },
      30_000,
      "a follower",
    );
    const imported = await follower.api("/import", { method: "POST", body, timeoutMs: 60_000 });
    expect(imported).toMatchObject({ status: 200, body: { modules: 2 } });
    for (const node of nodes.values()) {
      const modules = await eventually(
        async () => {
          const { body: listed } = await node.api("/modules");
          return listed.length === 2 ? listed : undefined;
        },
        15_000,
        "the imported modules on every node",
      );
      expect(modules.map((m: { name: string }) => m.name)).toEqual(["Billing", "Payments"]);
    }
    const since = Date.now();
    await eventually(
      () =>
        ["/api", "/db"].every((path) => target.probes.some((p) => p.path === path && p.at > since)) ||
        undefined,
      30_000,
      "both imported monitors sampled",
    );
  }, 240_000);
});
