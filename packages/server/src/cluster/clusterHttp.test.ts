import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClusterCertificates } from "./certs.js";
import { ClusterHttp, nodeMismatchCode } from "./clusterHttp.js";

const dir = mkdtempSync(join(tmpdir(), "amstaff-cluster-http-"));
const other = mkdtempSync(join(tmpdir(), "amstaff-cluster-http-other-"));
const pem = (d: string, file: string) => readFileSync(join(d, file));
const files = (d: string, id: string) => ({
  ca: pem(d, "ca.pem"),
  cert: pem(d, `${id}.pem`),
  key: pem(d, `${id}-key.pem`),
});
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  await createClusterCertificates({
    out: dir,
    nodes: ["a", "b"].map((id) => ({ id, addresses: ["127.0.0.1"] })),
  });
  await createClusterCertificates({ out: other, nodes: [{ id: "b", addresses: ["127.0.0.1"] }] });
});
afterAll(async () => {
  for (const close of closers) await close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(other, { recursive: true, force: true });
});

/** A node's internal listener: mutual TLS against `ca`, answering who called and with which token. */
async function internalListener(tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<string> {
  const server = createHttpsServer(
    { ...tls, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
      response.end(JSON.stringify({ peer, authorization: request.headers.authorization }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("ClusterHttp", () => {
  it("calls another node over mutual TLS, presenting this node's certificate and the internal token", async () => {
    const url = await internalListener(files(dir, "b"));
    const http = new ClusterHttp({ internalToken: "internal-token-0123456789", tls: files(dir, "a") });
    closers.push(() => http.close());
    const response = await http.request(url, "/_cluster/view", { method: "GET", timeoutMs: 10_000 });
    expect(await response.json()).toEqual({ peer: "a", authorization: "Bearer internal-token-0123456789" });
  });

  it("does not trust a node whose certificate comes from another CA", async () => {
    const url = await internalListener({ ...files(other, "b"), ca: pem(dir, "ca.pem") });
    const http = new ClusterHttp({ internalToken: "internal-token-0123456789", tls: files(dir, "a") });
    closers.push(() => http.close());
    await expect(http.request(url, "/_cluster/view", { method: "GET", timeoutMs: 10_000 })).rejects.toThrow();
  });

  it("talks to the node it asks for only: another node of the cluster cannot answer in its place", async () => {
    let requests = 0;
    const server = createHttpsServer(
      { ...files(dir, "b"), requestCert: true, rejectUnauthorized: true },
      (_, response) => {
        requests++;
        response.end("{}");
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const http = new ClusterHttp({ internalToken: "internal-token-0123456789", tls: files(dir, "a") });
    closers.push(() => http.close());
    // b's certificate is valid for the cluster, but the caller asked for the leader "a" at that address.
    const error = await http
      .request(url, "/_cluster/propose", { body: { command: {} }, timeoutMs: 10_000, node: "a" })
      .then(
        () => undefined,
        (e: unknown) => e as { cause?: { code?: string; message?: string } },
      );
    expect(error?.cause).toMatchObject({ code: nodeMismatchCode });
    expect(error?.cause?.message).toContain('presented the certificate of "b", not of node "a"');
    expect(requests).toBe(0);
    const right = await http.request(url, "/_cluster/view", { method: "GET", timeoutMs: 10_000, node: "b" });
    expect(right.status).toBe(200);
    expect(requests).toBe(1);
  });

  it("never sends the internal token to a plain http:// URL when the cluster has certificates", async () => {
    let connections = 0;
    const plain = createServer((_, response) => response.end("{}"));
    plain.on("connection", () => connections++);
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => plain.close(resolve)));
    const http = new ClusterHttp({ internalToken: "internal-token-0123456789", tls: files(dir, "a") });
    closers.push(() => http.close());
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    await expect(
      http.request(url, "/_cluster/lease", { method: "POST", body: {}, timeoutMs: 5_000 }),
    ).rejects.toMatchObject({
      code: "AMS_ERR_CLUSTER_TLS",
    });
    expect(connections).toBe(0);
  });
});
