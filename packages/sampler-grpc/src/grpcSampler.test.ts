import { networkInterfaces } from "node:os";
import { closedPort, startSilentServer } from "@amstaff/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HealthServer, makeCertificates, startHealthServer } from "./__tests__/healthServer.js";
import { grpcSampler } from "./grpcSampler.js";

describe("health protocol", () => {
  let server: HealthServer;
  beforeAll(async () => {
    server = await startHealthServer({
      statuses: {
        "": "SERVING",
        "orders.v1.Orders": "SERVING",
        "billing.v1.Billing": "NOT_SERVING",
        "search.v1.Search": "UNKNOWN",
      },
    });
  });
  afterAll(() => server[Symbol.asyncDispose]());
  const target = () => ({ host: "127.0.0.1", port: server.port });

  it("is ok when the server is SERVING, with the latency as value", async () => {
    const result = await grpcSampler(target()).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${server.port} is SERVING in \\d+ ms$`));
    expect(result.value).toBeTypeOf("number");
    expect(result.details).toEqual({
      host: "127.0.0.1",
      port: server.port,
      service: "",
      servingStatus: "SERVING",
    });
  });

  it("asks about the service it is given", async () => {
    const ok = await grpcSampler({ ...target(), service: "orders.v1.Orders" }).probe();
    expect(ok.status).toBe("ok");
    expect(ok.message).toMatch(/^orders\.v1\.Orders at 127\.0\.0\.1:\d+ is SERVING in \d+ ms$/);
    const down = await grpcSampler({ ...target(), service: "billing.v1.Billing" }).probe();
    expect(down.status).toBe("critical");
    expect(down.message).toMatch(/^billing\.v1\.Billing at 127\.0\.0\.1:\d+ is NOT_SERVING in \d+ ms$/);
  });

  it("follows the server when its status changes", async () => {
    server.health.setStatus("flaky.v1.Flaky", "SERVING");
    const sampler = grpcSampler({ ...target(), service: "flaky.v1.Flaky" });
    expect((await sampler.probe()).status).toBe("ok");
    server.health.setStatus("flaky.v1.Flaky", "NOT_SERVING");
    expect((await sampler.probe()).status).toBe("critical");
  });

  it("judges UNKNOWN and an unknown service as configured", async () => {
    const unknown = await grpcSampler({ ...target(), service: "search.v1.Search" }).probe();
    expect(unknown.status).toBe("critical");
    expect(unknown.message).toMatch(
      /^search\.v1\.Search at 127\.0\.0\.1:\d+ reports its health as UNKNOWN in \d+ ms$/,
    );
    expect(
      (await grpcSampler({ ...target(), service: "search.v1.Search", onUnknown: "warning" }).probe()).status,
    ).toBe("warning");
    const missing = await grpcSampler({ ...target(), service: "gone.v1.Gone" }).probe();
    expect(missing.status).toBe("critical");
    expect(missing.message).toBe(
      `127.0.0.1:${server.port} does not know the service "gone.v1.Gone" (NOT_FOUND)`,
    );
    expect(missing.details).toMatchObject({ grpcStatus: "NOT_FOUND" });
    const retired = await grpcSampler({
      ...target(),
      service: "gone.v1.Gone",
      onServiceUnknown: "ok",
    }).probe();
    expect(retired.status).toBe("ok");
  });

  it("sends metadata, secrets resolved", async () => {
    process.env.AMSTAFF_TEST_GRPC_TOKEN = "Bearer s3cr3t";
    try {
      const result = await grpcSampler({
        ...target(),
        metadata: { authorization: { $secret: "AMSTAFF_TEST_GRPC_TOKEN" }, "x-team": "orders" },
      }).probe();
      expect(result.status).toBe("ok");
      const last = server.received.at(-1);
      expect(last?.get("authorization")).toEqual(["Bearer s3cr3t"]);
      expect(last?.get("x-team")).toEqual(["orders"]);
      expect(JSON.stringify(result)).not.toContain("s3cr3t");
    } finally {
      delete process.env.AMSTAFF_TEST_GRPC_TOKEN;
    }
  });

  it("is named after its target unless given a name", () => {
    expect(grpcSampler({ host: "orders.internal", port: 50051 }).name).toBe("grpc orders.internal:50051");
    expect(grpcSampler({ host: "orders.internal", port: 50051, service: "orders.v1.Orders" }).name).toBe(
      "grpc orders.internal:50051 orders.v1.Orders",
    );
    expect(grpcSampler({ host: "orders.internal", port: 50051, name: "orders" }).name).toBe("orders");
  });
});

describe("failed calls", () => {
  it("is critical when the server is not listening (UNAVAILABLE)", async () => {
    const port = await closedPort();
    const result = await grpcSampler({ host: "127.0.0.1", port }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${port} is unavailable: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(UNAVAILABLE\\)$`,
      ),
    );
    expect(result.details).toMatchObject({ grpcStatus: "UNAVAILABLE" });
    expect(result.value).toBeUndefined();
  });

  it("is critical when the server has no health service (UNIMPLEMENTED)", async () => {
    await using server = await startHealthServer({ withoutHealth: true });
    const result = await grpcSampler({ host: "127.0.0.1", port: server.port }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `127.0.0.1:${server.port} does not implement the gRPC health service grpc.health.v1.Health (UNIMPLEMENTED)`,
    );
  });

  it("is critical when the answer misses the deadline (DEADLINE_EXCEEDED)", async () => {
    await using server = await startHealthServer({ delayMs: 500 });
    const result = await grpcSampler({ host: "127.0.0.1", port: server.port, timeout: "100ms" }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`no answer from 127.0.0.1:${server.port} within 100 ms (DEADLINE_EXCEEDED)`);
  });

  it("is critical within the deadline when the port accepts but never speaks HTTP/2", async () => {
    const silent = await startSilentServer();
    try {
      const result = await grpcSampler({ host: "127.0.0.1", port: silent.port, timeout: "200ms" }).probe();
      expect(result.status).toBe("critical");
      expect(result.message).toBe(
        `no answer from 127.0.0.1:${silent.port} within 200 ms (DEADLINE_EXCEEDED)`,
      );
    } finally {
      await silent.close();
    }
  });

  it("is unknown when the caller aborts", async () => {
    await using server = await startHealthServer({ delayMs: 2000 });
    const controller = new AbortController();
    const pending = grpcSampler({ host: "127.0.0.1", port: server.port }).probe({
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(result.status).toBe("unknown");
    expect(result.message).toBe(`health check of 127.0.0.1:${server.port} aborted`);
  });
});

describe("latency", () => {
  it("is warning or critical when the answer takes as long as the thresholds", async () => {
    await using server = await startHealthServer({ delayMs: 120 });
    const target = { host: "127.0.0.1", port: server.port };
    const warning = await grpcSampler({ ...target, latency: { warning: 50, critical: 5000 } }).probe();
    expect(warning.status).toBe("warning");
    expect(warning.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${server.port} is SERVING in \\d+ ms, reaching the warning threshold of 50 ms$`,
      ),
    );
    expect((await grpcSampler({ ...target, latency: { warning: 20, critical: 50 } }).probe()).status).toBe(
      "critical",
    );
  });
});

describe("TLS", () => {
  const certificates = makeCertificates();

  it("verifies the server against the CA given, by host name or servername", async () => {
    await using server = await startHealthServer({ tls: certificates });
    const byName = await grpcSampler({
      host: "localhost",
      port: server.port,
      tls: { ca: certificates.ca },
    }).probe();
    expect(byName.status).toBe("ok");
    const byServername = await grpcSampler({
      host: "127.0.0.1",
      port: server.port,
      tls: { ca: certificates.ca, servername: "localhost" },
    }).probe();
    expect(byServername.status).toBe("ok");
  });

  it("takes the CA from a secret", async () => {
    await using server = await startHealthServer({ tls: certificates });
    process.env.AMSTAFF_TEST_GRPC_CA = certificates.ca;
    try {
      const result = await grpcSampler({
        host: "localhost",
        port: server.port,
        tls: { ca: { $secret: "AMSTAFF_TEST_GRPC_CA" } },
      }).probe();
      expect(result.status).toBe("ok");
    } finally {
      delete process.env.AMSTAFF_TEST_GRPC_CA;
    }
  });

  it("is critical when the certificate is not trusted or not for the host", async () => {
    await using server = await startHealthServer({ tls: certificates });
    const untrusted = await grpcSampler({ host: "localhost", port: server.port, tls: {} }).probe();
    expect(untrusted.status).toBe("critical");
    expect(untrusted.message).toBe(
      `localhost:${server.port} is unavailable: unable to verify the first certificate; give the CA that signed it as \`tls.ca\` (UNAVAILABLE)`,
    );
    const wrongName = await grpcSampler({
      host: "127.0.0.1",
      port: server.port,
      tls: { ca: certificates.ca, servername: "orders.example.com" },
    }).probe();
    expect(wrongName.status).toBe("critical");
    expect(wrongName.message).toMatch(
      /is unavailable: Hostname\/IP does not match certificate's altnames: Host: orders\.example\.com\./,
    );
  });

  it("accepts any certificate with insecure", async () => {
    await using server = await startHealthServer({ tls: certificates });
    const result = await grpcSampler({
      host: "127.0.0.1",
      port: server.port,
      tls: { insecure: true, servername: "orders.example.com" },
    }).probe();
    expect(result.status).toBe("ok");
  });

  it("is critical when a plaintext client meets a TLS server", async () => {
    await using server = await startHealthServer({ tls: certificates });
    const result = await grpcSampler({ host: "127.0.0.1", port: server.port, timeout: "1s" }).probe();
    expect(result.status).toBe("critical");
  });
});

describe("IPv6", () => {
  const hasIpv6Loopback = Object.values(networkInterfaces())
    .flat()
    .some((address) => address?.address === "::1");

  it.runIf(hasIpv6Loopback)("reaches a server on ::1", async () => {
    await using server = await startHealthServer({}, "::1");
    const result = await grpcSampler({ host: "::1", port: server.port }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(/^\[::1\]:\d+ is SERVING/);
  });
});
