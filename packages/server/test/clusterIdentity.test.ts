import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proberModuleSource as moduleSource, startReceiver, startTarget } from "./localServers.js";
import { eventually, freePorts, proberSecret, ServerProcess } from "./serverProcess.js";

const serverCli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const run = promisify(execFile);
const clusterSecret = "identity-cluster-secret-0123456789";
// What every node derives from the cluster secret: a stolen or leftover node certificate comes with it.
const internalToken = createHmac("sha256", clusterSecret).update("amstaff-internal-v1").digest("hex");

interface ClusterView {
  leader: string | null;
  members: { id: string; health: string; apiUrl?: string; modules: string[] }[];
}

/** A POST to a node's internal endpoint with the certificate of node `as`, and the internal token. */
function internalPost(
  certs: string,
  as: string,
  url: string,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: "POST",
        ca: readFileSync(join(certs, "ca.pem")),
        cert: readFileSync(join(certs, `${as}.pem`)),
        key: readFileSync(join(certs, `${as}-key.pem`)),
        headers: {
          authorization: `Bearer ${internalToken}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
        timeout: 20_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end(payload);
  });
}

describe("node identity on the internal endpoints (mutual TLS)", () => {
  const certs = mkdtempSync(join(tmpdir(), "amstaff-identity-certs-"));
  const ids = ["a", "b", "c"];
  let nodes: Map<string, ServerProcess>;
  let internal: Map<string, number>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let leader: string;
  let followers: string[];

  const view = async (id: string): Promise<ClusterView | undefined> => {
    try {
      const { status, body } = await nodes.get(id)!.api("/cluster", { timeoutMs: 5_000 });
      return status === 200 ? (body as ClusterView) : undefined;
    } catch {
      return undefined;
    }
  };
  const leaderUrl = (path: string) => `https://127.0.0.1:${internal.get(leader)}${path}`;

  beforeAll(async () => {
    // `x` has a certificate of the cluster's CA (made ahead, or kept by a removed node) but is no member.
    await run(process.execPath, [
      serverCli,
      "certs",
      "--out",
      certs,
      "--nodes",
      "a=127.0.0.1,b=127.0.0.1,c=127.0.0.1,x=127.0.0.1",
    ]);
    target = await startTarget();
    receiver = await startReceiver();
    const ports = await freePorts(6);
    const raft = new Map(ids.map((id, i) => [id, ports[i]!]));
    internal = new Map(ids.map((id, i) => [id, ports[3 + i]!]));
    nodes = new Map(
      ids.map((id) => {
        const peers = ids
          .filter((p) => p !== id)
          .map((p) => `${p}=127.0.0.1:${raft.get(p)}`)
          .join(",");
        const args = ["--node-id", id, "--raft-port", String(raft.get(id)), "--peers", peers];
        args.push("--cluster-http-port", String(internal.get(id)));
        args.push("--cluster-ca", join(certs, "ca.pem"));
        args.push("--cluster-cert", join(certs, `${id}.pem`), "--cluster-key", join(certs, `${id}-key.pem`));
        const env = { AMSTAFF_CLUSTER_SECRET: clusterSecret, ...proberSecret(id) };
        return [id, new ServerProcess(undefined, { args, env })];
      }),
    );
    await Promise.all([...nodes.values()].map((n) => n.start()));
    const settled = await eventually(
      async () => {
        const v = await view("a");
        return v?.leader && v.members.every((m) => m.health === "up" && m.apiUrl) ? v : undefined;
      },
      60_000,
      "a leader, three healthy nodes that announced their API",
    );
    leader = settled.leader!;
    followers = ids.filter((id) => id !== leader);
    // Legitimate node traffic still flows: a follower forwards the push to the leader.
    const pushed = await nodes
      .get(followers[0]!)!
      .api("/monitor", { method: "POST", body: moduleSource("m1", target.url, receiver.url) });
    expect(pushed.status).toBe(201);
  }, 150_000);

  afterAll(async () => {
    await Promise.all([...(nodes?.values() ?? [])].map((n) => n[Symbol.asyncDispose]()));
    await target?.[Symbol.asyncDispose]();
    await receiver?.[Symbol.asyncDispose]();
    rmSync(certs, { recursive: true, force: true });
  }, 60_000);

  it("a member renews its own lease, and only its own", async () => {
    const [b, c] = followers as [string, string];
    const own = await internalPost(certs, b, leaderUrl("/_cluster/lease"), { node: b });
    expect(own.status).toBe(200);
    const other = await internalPost(certs, b, leaderUrl("/_cluster/lease"), { node: c });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
  }, 60_000);

  it("a member announces only its own addresses, and never proposes what only the leader does", async () => {
    const [b, c] = followers as [string, string];
    const before = (await view(leader))!.members.find((m) => m.id === c)!.apiUrl;
    const announce = await internalPost(certs, b, leaderUrl("/_cluster/propose"), {
      command: { type: "node.announce", node: c, apiUrl: "http://127.0.0.1:9/", at: Date.now() },
    });
    expect(announce.status).toBe(403);
    expect(announce.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
    const grant = await internalPost(certs, b, leaderUrl("/_cluster/propose"), {
      command: { type: "ownership.grant", module: "m1", node: b, handoff: false, at: Date.now() },
    });
    expect(grant.status).toBe(403);
    expect(grant.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
    // A batch of forwarded commands is refused whole when one of them is.
    const batch = await internalPost(certs, b, leaderUrl("/_cluster/propose-batch"), {
      commands: [
        { type: "node.announce", node: b, apiUrl: "http://127.0.0.1:9/", at: Date.now() },
        { type: "node.announce", node: c, apiUrl: "http://127.0.0.1:9/", at: Date.now() },
      ],
    });
    expect(batch.status).toBe(403);
    expect(batch.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
    expect((await view(leader))!.members.find((m) => m.id === b)!.apiUrl).not.toBe("http://127.0.0.1:9/");
    const after = (await view(leader))!.members.find((m) => m.id === c)!.apiUrl;
    expect(after).toBe(before);
    expect(nodes.get(leader)!.output).toMatch(/refused an internal request made on another node's behalf/);
  }, 60_000);

  it("a certificate of the cluster's CA that names no member changes nothing", async () => {
    const deleted = await internalPost(certs, "x", leaderUrl("/_cluster/propose"), {
      command: { type: "module.delete", name: "m1", actor: { name: "admin", role: "admin" }, at: Date.now() },
    });
    expect(deleted.status).toBe(403);
    expect(deleted.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
    const lease = await internalPost(certs, "x", leaderUrl("/_cluster/lease"), { node: "x" });
    expect(lease.status).toBe(403);
    const member = await internalPost(
      certs,
      "x",
      `https://127.0.0.1:${internal.get(followers[0]!)}/_cluster/members`,
      {
        id: "x",
        raftAddress: "127.0.0.1:9",
      },
    );
    expect(member.status).toBe(403);
    expect(member.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
    const modules = (await nodes.get(leader)!.api("/modules")).body as { name: string }[];
    expect(modules.map((m) => m.name)).toEqual(["m1"]);
    expect((await view(leader))!.members.map((m) => m.id).sort()).toEqual(ids);
  }, 60_000);

  it("refuses an oversized internal body before reading it", async () => {
    // Declares 1 GiB and sends 1 KiB: the leader answers at once instead of buffering what comes.
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpsRequest(
        leaderUrl("/_cluster/propose"),
        {
          method: "POST",
          ca: readFileSync(join(certs, "ca.pem")),
          cert: readFileSync(join(certs, "x.pem")),
          key: readFileSync(join(certs, "x-key.pem")),
          headers: {
            authorization: `Bearer ${internalToken}`,
            "content-type": "application/json",
            "content-length": String(1024 ** 3),
          },
          timeout: 20_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
          );
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("no answer: the body is being read")));
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: "AMS_ERR_REQUEST_TOO_LARGE" } } });
    expect((await view(leader))?.leader).toBe(leader);
  }, 60_000);

  it("logs no key, no cluster secret and no internal token, refusals included", () => {
    for (const id of [...ids, "x"]) {
      const key = readFileSync(join(certs, `${id}-key.pem`), "utf8");
      const body = key.split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
      expect(body.length).toBeGreaterThan(0);
      for (const node of nodes.values()) {
        for (const line of body) expect(node.output).not.toContain(line);
        expect(node.output).not.toContain(clusterSecret);
        expect(node.output).not.toContain(internalToken);
      }
    }
  });
});
