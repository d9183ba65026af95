import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proberModuleSource as moduleSource, startReceiver, startTarget } from "./localServers.js";
import { eventually, freePorts, proberSecret, ServerProcess } from "./serverProcess.js";
import { tlsProbe } from "./tlsProbe.js";

const serverCli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const amstaffCli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));
const run = promisify(execFile);
const secret = { AMSTAFF_CLUSTER_SECRET: "e2e-cluster-secret-0123456789" };

interface ClusterView {
  leader: string | null;
  members: { id: string; role: string; health: string; modules: string[] }[];
}

async function clusterView(node: ServerProcess): Promise<ClusterView | undefined> {
  try {
    const { status, body } = await node.api("/cluster", { timeoutMs: 3_000 });
    return status === 200 ? (body as ClusterView) : undefined;
  } catch {
    return undefined;
  }
}

/** `amstaff-server certs …`, the documented way to make a cluster's certificates. */
async function makeCerts(out: string, nodes: string): Promise<string> {
  const { stdout } = await run(process.execPath, [serverCli, "certs", "--out", out, "--nodes", nodes]);
  return stdout;
}

/** The TLS flags of node `id`, with the files `amstaff-server certs` wrote to `dir`. */
const tlsArgs = (dir: string, id: string, caDir = dir) => [
  "--cluster-ca",
  join(caDir, "ca.pem"),
  "--cluster-cert",
  join(dir, `${id}.pem`),
  "--cluster-key",
  join(dir, `${id}-key.pem`),
];

describe("a three-node cluster over mutual TLS", () => {
  const certs = mkdtempSync(join(tmpdir(), "amstaff-certs-"));
  const otherCerts = mkdtempSync(join(tmpdir(), "amstaff-other-certs-"));
  let nodes: Map<string, ServerProcess>;
  let raft: Map<string, number>;
  let internal: Map<string, number>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    const printed = await makeCerts(certs, "a=127.0.0.1,b=127.0.0.1,c=127.0.0.1,e=127.0.0.1");
    expect(printed).toMatch(/created the cluster CA/);
    target = await startTarget();
    receiver = await startReceiver();
    const ids = ["a", "b", "c"];
    const ports = await freePorts(6);
    raft = new Map(ids.map((id, i) => [id, ports[i]!]));
    internal = new Map(ids.map((id, i) => [id, ports[3 + i]!]));
    nodes = new Map(
      ids.map((id) => {
        const peers = ids
          .filter((p) => p !== id)
          .map((p) => `${p}=127.0.0.1:${raft.get(p)}`)
          .join(",");
        const args = ["--node-id", id, "--raft-port", String(raft.get(id)), "--peers", peers];
        args.push("--cluster-http-port", String(internal.get(id)), ...tlsArgs(certs, id));
        return [id, new ServerProcess(undefined, { args, env: { ...secret, ...proberSecret(id) } })];
      }),
    );
    await Promise.all([...nodes.values()].map((n) => n.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...(nodes?.values() ?? [])].map((n) => n[Symbol.asyncDispose]()));
    await target?.[Symbol.asyncDispose]();
    await receiver?.[Symbol.asyncDispose]();
    rmSync(certs, { recursive: true, force: true });
    rmSync(otherCerts, { recursive: true, force: true });
  }, 60_000);

  it("makes the certificates with one command, every file 0600", () => {
    const files = readdirSync(certs).sort();
    expect(files).toEqual([
      "a-key.pem",
      "a.pem",
      "b-key.pem",
      "b.pem",
      "c-key.pem",
      "c.pem",
      "ca-key.pem",
      "ca.pem",
      "e-key.pem",
      "e.pem",
    ]);
    for (const file of files) expect(statSync(join(certs, file)).mode & 0o777).toBe(0o600);
  });

  it("elects a leader, replicates a push made on a follower, and fails over", async () => {
    const view = await eventually(
      async () => {
        const v = await clusterView(nodes.get("a")!);
        return v?.leader && v.members.every((m) => m.health === "up") ? v : undefined;
      },
      30_000,
      "a leader and three healthy nodes",
    );
    const leaderId = view.leader!;
    const followers = [...nodes.keys()].filter((id) => id !== leaderId);
    // A follower forwards the write to the leader's internal endpoint, over HTTPS with mutual TLS.
    const pushed = await nodes
      .get(followers[0]!)!
      .api("/monitor", { method: "POST", body: moduleSource("m1", target.url, receiver.url) });
    expect(pushed.status).toBe(201);
    for (const node of nodes.values()) {
      await eventually(
        async () => (((await node.api("/modules")).body as unknown[]).length === 1 ? true : undefined),
        20_000,
        "m1 replicated to every node",
      );
    }
    await eventually(
      () => (target.probes.some((p) => p.path === "/m1") ? true : undefined),
      20_000,
      "m1 sampled by its owner",
    );

    await nodes.get(leaderId)!.stop("SIGKILL");
    const survivor = nodes.get(followers[0]!)!;
    const next = await eventually(
      async () => {
        const v = await clusterView(survivor);
        return v?.leader && v.leader !== leaderId ? v.leader : undefined;
      },
      30_000,
      "a new leader",
    );
    // The node that is still a follower writes through the new leader.
    const follower = nodes.get(followers.find((id) => id !== next)!)!;
    const after = await eventually(
      async () => {
        const r = await follower.api("/monitor", {
          method: "POST",
          body: moduleSource("m2", target.url, receiver.url),
        });
        return r.status === 201 ? r : undefined;
      },
      30_000,
      "a push after failover",
    );
    expect(after.status).toBe(201);
    expect(((await nodes.get(next)!.api("/modules")).body as unknown[]).length).toBe(2);
  }, 150_000);

  it("serves the internal endpoints only on the mutual-TLS listener", async () => {
    const node = [...nodes.values()].find((n) => n.running)!;
    const id = [...nodes].find(([, n]) => n === node)![0];
    // The public API listener no longer answers them at all.
    expect((await node.api("/_cluster/view")).status).toBe(404);
    const url = `https://127.0.0.1:${internal.get(id)}/_cluster/view`;
    const ca = readFileSync(join(certs, "ca.pem"));
    // No client certificate: the TLS handshake fails before any HTTP.
    expect((await tlsProbe(url, { ca })).status).toBeUndefined();
    // Another CA's certificate: refused as well.
    await makeCerts(otherCerts, "a=127.0.0.1");
    const foreign = {
      ca,
      cert: readFileSync(join(otherCerts, "a.pem")),
      key: readFileSync(join(otherCerts, "a-key.pem")),
    };
    expect((await tlsProbe(url, foreign)).status).toBeUndefined();
    // A node certificate without the internal token: TLS passes, the endpoint still wants the token.
    const own = { ca, cert: readFileSync(join(certs, "e.pem")), key: readFileSync(join(certs, "e-key.pem")) };
    expect(await tlsProbe(url, own)).toEqual({ status: 401 });
    // Plain HTTP to the internal listener gets no answer from the endpoints.
    const plain = await fetch(`http://127.0.0.1:${internal.get(id)}/_cluster/view`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(plain).not.toBe(200);
    expect(plain).not.toBe(401);
  }, 60_000);

  it("keeps out a node with a certificate of another CA, and lets in one with the cluster's", async () => {
    const up = [...nodes.values()].filter((n) => n.running);
    const peers = [...raft].map(([p, port]) => `${p}=127.0.0.1:${port}`).join(",");
    const [dPort, ePort] = await freePorts(2);
    // d's files come from another CA (made with the same command in another directory).
    await makeCerts(otherCerts, "d=127.0.0.1");
    await using d = new ServerProcess(undefined, {
      args: ["--node-id", "d", "--raft-port", String(dPort), "--peers", peers, "--join"].concat(
        tlsArgs(otherCerts, "d"),
      ),
      env: { ...secret, ...proberSecret("d") },
    });
    await d.start();
    const added = await up[0]!.api("/cluster/members", {
      method: "POST",
      body: JSON.stringify({ id: "d", raftAddress: `127.0.0.1:${dPort}` }),
      timeoutMs: 90_000,
    });
    expect(added.status).not.toBe(200);
    expect(((await d.api("/modules")).body as unknown[]).length).toBe(0);
    expect(up.map((n) => n.output).join("\n") + d.output).toMatch(/TLS connection/);
    await up[0]!.api("/cluster/members/d", { method: "DELETE", timeoutMs: 60_000 });

    // e's certificate was made by the cluster's CA: it joins and catches up.
    await using e = new ServerProcess(undefined, {
      args: ["--node-id", "e", "--raft-port", String(ePort), "--peers", peers, "--join"].concat(
        tlsArgs(certs, "e"),
      ),
      env: { ...secret, ...proberSecret("e") },
    });
    await e.start();
    const joined = await up[0]!.api("/cluster/members", {
      method: "POST",
      body: JSON.stringify({ id: "e", raftAddress: `127.0.0.1:${ePort}` }),
      timeoutMs: 90_000,
    });
    expect(joined.status).toBe(200);
    await eventually(
      async () => (((await e.api("/modules")).body as unknown[]).length === 2 ? true : undefined),
      30_000,
      "e caught up",
    );
  }, 240_000);
});

describe("refusing plain node traffic", () => {
  it("a node with peers, or joining, and no certificates does not start, and says how to make them", async () => {
    const [raftPort] = await freePorts(1);
    for (const extra of [["--peers", "b=127.0.0.1:1"], ["--join"]]) {
      await using node = new ServerProcess(undefined, {
        args: ["--node-id", "a", "--raft-port", String(raftPort), ...extra],
        env: secret,
      });
      const error = await node.start().then(
        () => undefined,
        (e: Error) => e.message,
      );
      expect(error).toMatch(/exited with 1/);
      expect(error).toMatch(/AMS_ERR_CLUSTER_TLS|--cluster-ca/);
      expect(error).toContain("amstaff-server certs --out ./certs --nodes");
      expect(error).toContain("--insecure-cluster-transport");
    }
  }, 120_000);

  it("a single node without --raft-port needs nothing", async () => {
    await using node = new ServerProcess();
    await node.start();
    expect((await node.api("/health")).status).toBe(200);
  }, 90_000);
});

describe("the API over HTTPS", () => {
  it("serves HTTPS with --tls-cert/--tls-key; the amstaff CLI trusts a private CA with --ca", async () => {
    const certs = mkdtempSync(join(tmpdir(), "amstaff-api-certs-"));
    try {
      // Any certificate works; here one from the certs command (SAN 127.0.0.1) stands in for a public one.
      await makeCerts(certs, "api=127.0.0.1");
      await using server = new ServerProcess(undefined, {
        args: ["--tls-cert", join(certs, "api.pem"), "--tls-key", join(certs, "api-key.pem")],
      });
      await server.start();
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const env = { ...process.env, AMSTAFF_URL: server.url, AMSTAFF_TOKEN: server.token };
      const ok = await run(process.execPath, [amstaffCli, "ls", "--json", "--ca", join(certs, "ca.pem")], {
        env,
      });
      expect(JSON.parse(ok.stdout)).toEqual([]);
      const viaEnv = await run(process.execPath, [amstaffCli, "ls", "--json"], {
        env: { ...env, AMSTAFF_CA: join(certs, "ca.pem") },
      });
      expect(JSON.parse(viaEnv.stdout)).toEqual([]);
      const untrusted = await run(process.execPath, [amstaffCli, "ls"], { env }).then(
        () => "",
        (e: { stderr: string }) => e.stderr,
      );
      expect(untrusted).toMatch(/cannot verify .*certificate.*--ca or AMSTAFF_CA/);
    } finally {
      rmSync(certs, { recursive: true, force: true });
    }
  }, 90_000);
});
