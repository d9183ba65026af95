import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClusterCertificates } from "../src/cluster/certs.js";
import { internalTokenOf } from "../src/cluster/clusterHttp.js";
import { EtcdCluster } from "./etcdCluster.js";
import { proberModuleSource as moduleSource, startReceiver, startTarget } from "./localServers.js";
import { eventually, proberSecret, ServerProcess } from "./serverProcess.js";
import { tlsProbe } from "./tlsProbe.js";

/** `POST url` of `{}` with a TLS identity and a token: the status, or the error. */
const post = (url: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }, token: string) =>
  tlsProbe(url, { ...tls, token, body: "{}" });

// Two nodes on one etcd member with cluster certificates: they ask each other for the overview's bars on
// internal listeners over mutual TLS, with the token derived from the secret the first node kept in etcd.
describe("two nodes on etcd with cluster certificates", () => {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-etcd-peers-"));
  const prefix = `/amstaff-peers-${process.pid}`;
  let etcd: EtcdCluster;
  let pem: { ca: Buffer; certs: Map<string, { cert: Buffer; key: Buffer }> };
  let nodes: ServerProcess[];

  beforeAll(async () => {
    const { ca, nodes: issued } = await createClusterCertificates({
      out: dir,
      nodes: ["a", "b", "stranger"].map((id) => ({ id, addresses: ["127.0.0.1"] })),
    });
    pem = {
      ca: readFileSync(ca.cert),
      certs: new Map(issued.map((n) => [n.id, { cert: readFileSync(n.cert), key: readFileSync(n.key) }])),
    };
    etcd = await EtcdCluster.start(1);
    nodes = ["a", "b"].map((id) => {
      const args = ["--node-id", id, "--etcd", etcd.endpoints.join(","), "--etcd-prefix", prefix];
      args.push("--cluster-ca", ca.cert, "--cluster-cert", join(dir, `${id}.pem`));
      args.push("--cluster-key", join(dir, `${id}-key.pem`));
      return new ServerProcess(undefined, { args, env: proberSecret(id) });
    });
    await Promise.all(nodes.map((n) => n.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((n) => n[Symbol.asyncDispose]()));
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("shows the bars of the other node's monitor, and serves the reads to registered nodes only", async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    for (const name of ["m1", "m2"]) {
      const pushed = await a.api("/monitor", {
        method: "POST",
        body: moduleSource(name, target.url, receiver.url),
      });
      expect(pushed.status).toBe(201);
    }
    const owned = await eventually(
      async () => {
        const { members } = (await a.api("/cluster")).body as {
          members: { id: string; modules: string[] }[];
        };
        return members.length === 2 && members.every((m) => m.modules.length === 1) ? members : undefined;
      },
      30_000,
      "one module per node",
    );
    const ofB = owned.find((m) => m.id === "b")!.modules[0]!;
    await eventually(
      async () => {
        const { monitors } = (await a.api("/overview")).body as { monitors: { m: string; hs?: string }[] };
        return monitors.find((r) => r.m === ofB)?.hs ? true : undefined;
      },
      15_000,
      `the bars of ${ofB} (run by b) on a's overview`,
    );

    // The secret was made once in etcd; b registered the internal listener it serves the reads on.
    const client = new Etcd3({ hosts: etcd.endpoints });
    const space = client.namespace(`${prefix}/`);
    const token = internalTokenOf((await space.get("cluster-secret").string())!);
    const registered = JSON.parse((await space.get("members/b").string())!) as { internalUrl: string };
    client.close();
    expect(registered.internalUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const glance = `${registered.internalUrl}/_cluster/glance`;
    const as = (id: string) => ({ ca: pem.ca, ...pem.certs.get(id)! });
    expect(await post(glance, as("a"), token)).toEqual({ status: 200 });
    expect(await post(glance, as("a"), internalTokenOf("another cluster's secret"))).toEqual({ status: 401 });
    // A certificate of the cluster CA, but of no node registered now.
    expect(await post(glance, as("stranger"), token)).toEqual({ status: 403 });
    // No client certificate: the handshake fails before any HTTP.
    expect((await post(glance, { ca: pem.ca }, token)).status).toBeUndefined();
    // With certificates, b's public API listener does not serve the internal endpoints at all.
    expect((await b.api("/_cluster/glance", { method: "POST", body: "{}" })).status).toBe(404);
  }, 120_000);
});
