import { describe, expect, it } from "vitest";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

const moduleSource = (targetUrl: string, hookUrl: string) => `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("User Service", (m) => {
  m.monitor("Health-Check Failed", {
    sampler: httpGet({ url: "${targetUrl}/health", okStatus: [200, 201] }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/hook" })],
    tags: ["production", "user-service", "team8"],
  });
});
`;

const brokenSource = `import { amstaff, every } from "@amstaff/dsl";
export default amstaff("User Service", (m) => {
  m.monitor("Health" {
});
`;

describe("amstaff-server, end to end with real processes", () => {
  it("runs a pushed module, notifies each change exactly once, survives a restart and refuses bad input", async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    await using server = new ServerProcess();
    await server.start();

    // Writes and reads need the token.
    const source = moduleSource(target.url, receiver.url);
    expect((await server.api("/monitor", { method: "POST", body: source, token: null })).status).toBe(401);
    expect((await server.api("/monitors", { token: "wrong" })).status).toBe(401);
    expect((await server.api("/health", { token: null })).status).toBe(200);

    const pushed = await server.api("/monitor", { method: "POST", body: source });
    expect(pushed).toMatchObject({
      status: 201,
      body: { module: "User Service", monitors: ["Health-Check Failed"] },
    });

    const monitorStatus = async () => (await server.api("/monitors")).body[0];
    await eventually(
      async () => ((await monitorStatus())?.status === "ok" ? true : undefined),
      15_000,
      "status ok",
    );
    expect(await monitorStatus()).toMatchObject({
      module: "User Service",
      tags: ["production", "user-service", "team8"],
    });

    // The target breaks: exactly one critical notification, however many failing samples follow.
    target.status = 500;
    await eventually(
      () => (receiver.received.length >= 1 ? true : undefined),
      15_000,
      "critical notification",
    );
    const hitsAtAlert = target.hits;
    await eventually(() => (target.hits >= hitsAtAlert + 3 ? true : undefined), 15_000, "three more samples");
    expect(receiver.received).toHaveLength(1);
    const alert = receiver.received[0]!;
    expect(alert.body).toMatchObject({
      type: "transition",
      transition: { module: "User Service", monitor: "Health-Check Failed", from: "ok", to: "critical" },
    });
    expect(alert.body.transition.result.message).toContain("500");
    expect(alert.headers["idempotency-key"]).toBe(alert.body.idempotencyKey);
    expect((await monitorStatus()).status).toBe("critical");

    // It recovers: exactly one recovery notification.
    target.status = 200;
    await eventually(
      () => (receiver.received.length >= 2 ? true : undefined),
      15_000,
      "recovery notification",
    );
    const hitsAtRecovery = target.hits;
    await eventually(
      () => (target.hits >= hitsAtRecovery + 3 ? true : undefined),
      15_000,
      "three more samples",
    );
    expect(receiver.received.map((r) => `${r.body.transition.from}->${r.body.transition.to}`)).toEqual([
      "ok->critical",
      "critical->ok",
    ]);
    const deliveries = (await server.api("/deliveries")).body;
    expect(deliveries.map((d: { status: string }) => d.status)).toEqual(["delivered", "delivered"]);

    // A graceful restart keeps the module and its status, and repeats no notification.
    const overviewRow = async () => (await server.api("/overview")).body.monitors[0];
    const barBefore: string = (await overviewRow()).hs;
    expect(barBefore).toContain("c");
    expect(await server.stop("SIGTERM")).toBe(0);
    await server.start();
    const modules = (await server.api("/modules")).body;
    expect(modules).toMatchObject([{ name: "User Service", version: pushed.body.version }]);
    expect((await monitorStatus()).status).toBe("ok");
    // The overview's bar and uptime go on from the history: the failing samples of before still count.
    // (Fewer than 30 samples were taken, so the bar still holds them all.)
    expect(barBefore.length).toBeLessThan(25);
    const seeded = await eventually(
      async () => {
        const row = await overviewRow();
        return row.hs?.startsWith(barBefore) ? row : undefined;
      },
      15_000,
      "bar seeded from the history",
    );
    expect(seeded.u24).toBeLessThan(1);
    expect(seeded.u30).toBeLessThan(1);
    const hitsAfterRestart = target.hits;
    await eventually(
      () => (target.hits >= hitsAfterRestart + 3 ? true : undefined),
      15_000,
      "samples after restart",
    );
    expect(receiver.received).toHaveLength(2);

    // A broken file is refused with its line and column, and the running module is untouched.
    const refused = await server.api("/monitor", { method: "POST", body: brokenSource });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({ line: 3 });
    expect(refused.body.errors[0].column).toBeGreaterThan(0);
    expect(refused.body.error.message).toContain("module.ts:3:");
    expect((await server.api("/modules")).body).toEqual(modules);
    const hitsAfterRefusal = target.hits;
    await eventually(
      () => (target.hits >= hitsAfterRefusal + 2 ? true : undefined),
      15_000,
      "module still sampling",
    );

    // Re-pushing the same file changes nothing; deleting the module stops it.
    expect(await server.api("/monitor", { method: "POST", body: source })).toMatchObject({
      status: 200,
      body: { changed: false },
    });
    expect((await server.api("/modules/User%20Service", { method: "DELETE" })).status).toBe(200);
    expect((await server.api("/modules/User%20Service")).status).toBe(404);
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output).not.toContain(server.token);
  }, 120_000);

  it("delivers a notification pending at a crash after the restart, once", async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    await using server = new ServerProcess();
    await server.start();
    // The receiver is down at first: the delivery stays pending and is retried.
    const receiverUrl = receiver.url;
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    target.status = 503;
    await server.api("/monitor", { method: "POST", body: moduleSource(target.url, receiverUrl) });
    await eventually(
      async () => {
        const [delivery] = (await server.api("/deliveries")).body;
        return delivery?.attempts >= 1 ? delivery : undefined;
      },
      20_000,
      "a failed first attempt",
    );
    expect(await server.stop("SIGKILL")).toBe(null);

    // Back up on the same port, the receiver gets the pending alert once the node restarts.
    const port = Number(new URL(receiverUrl).port);
    await new Promise<void>((resolve) => receiver.server.listen(port, "127.0.0.1", resolve));
    await server.start();
    await eventually(
      () => (receiver.received.length >= 1 ? true : undefined),
      30_000,
      "the pending notification",
    );
    const hits = target.hits;
    await eventually(() => (target.hits >= hits + 3 ? true : undefined), 15_000, "more samples");
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body.transition).toMatchObject({ from: "pending", to: "critical" });
    expect(Number(receiver.received[0]!.headers["x-amstaff-attempt"])).toBeGreaterThan(1);
  }, 120_000);
});
