import { connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sampleResultSchema } from "../sampleResult.js";
import {
  closedPort,
  closeReceivers,
  EmulatorControls,
  freePort,
  notifyContext,
  recoveryOf,
  sampleTransition,
  sampleTransitionStart,
  startReceiver,
  startSilentServer,
} from "./index.js";

afterEach(closeReceivers);

function connectionOutcome(port: number): Promise<"connected" | string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("sampleTransition and recoveryOf", () => {
  it("are valid transitions of one incident, ok -> critical -> ok, with fixed times", () => {
    const alert = sampleTransition();
    expect(sampleResultSchema.parse(alert.result)).toEqual(alert.result);
    expect(alert).toMatchObject({ id: "tr-0001", from: "ok", to: "critical", incident: { key: "inc-42" } });
    expect(alert.previousSince).toBe(sampleTransitionStart);
    expect(new Date(alert.since).toISOString()).toBe("2026-11-24T01:05:00.000Z");
    const recovery = recoveryOf(alert);
    expect(sampleResultSchema.parse(recovery.result)).toEqual(recovery.result);
    expect(recovery).toMatchObject({
      id: "tr-0001-ok",
      from: "critical",
      to: "ok",
      incident: alert.incident,
    });
    expect(recovery.since - alert.since).toBe(65 * 60_000);
  });

  it("take overrides, an absent incident included", () => {
    expect(sampleTransition({ to: "warning" }).to).toBe("warning");
    expect(JSON.parse(JSON.stringify(sampleTransition({ incident: undefined })))).not.toHaveProperty(
      "incident",
    );
    expect(recoveryOf(sampleTransition(), { id: "r" }).id).toBe("r");
  });
});

describe("notifyContext", () => {
  it("is the first attempt, keyed like the server keys it, with a live signal", () => {
    const context = notifyContext("pager");
    expect(context).toMatchObject({ idempotencyKey: "tr-0001:pager:0", attempt: 1 });
    expect(context.signal.aborted).toBe(false);
    expect(notifyContext("pager", { attempt: 3 }).attempt).toBe(3);
  });
});

describe("startReceiver", () => {
  it("records each request and answers 204 by default", async () => {
    const receiver = await startReceiver(undefined, { path: "/hooks/x" });
    expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}/hooks/x`);
    const response = await fetch(receiver.url, { method: "POST", body: '{"a":1}', headers: { "x-a": "b" } });
    expect(response.status).toBe(204);
    expect(receiver.requests).toEqual([
      { method: "POST", url: "/hooks/x", headers: expect.objectContaining({ "x-a": "b" }), body: '{"a":1}' },
    ]);
  });

  it("answers with the responder, tells onRequest first, and closeReceivers closes it", async () => {
    const seen: string[] = [];
    const receiver = await startReceiver((request, response) => response.writeHead(500).end(request.body), {
      onRequest: (request) => seen.push(request.method),
    });
    const response = await fetch(receiver.url, { method: "PUT", body: "broken" });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("broken");
    expect(seen).toEqual(["PUT"]);
    await closeReceivers();
    expect(await connectionOutcome(receiver.port)).toBe("ECONNREFUSED");
    await receiver.close();
  });
});

describe("ports", () => {
  it("closedPort refuses connections; freePort can be listened on", async () => {
    expect(await connectionOutcome(await closedPort())).toBe("ECONNREFUSED");
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    try {
      expect(await connectionOutcome(port)).toBe("connected");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("startSilentServer", () => {
  it("accepts a request and never answers, until the client aborts", async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const pending = fetch(`http://127.0.0.1:${silent.port}/`, { signal: controller.signal }).then(
        () => "answered",
        (error: Error) => error.name,
      );
      // Whatever the client waited for, nothing came: only the abort ends the request.
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      expect(await pending).toBe("AbortError");
    } finally {
      await silent.close();
    }
    expect(await connectionOutcome(silent.port)).toBe("ECONNREFUSED");
    await silent.close();
  });
});

describe("EmulatorControls", () => {
  it("throttles past the limit until the window ends, and hands out injected answers in order", () => {
    const controls = new EmulatorControls({ limit: 2, windowMs: 1000 });
    expect([controls.throttle(0), controls.throttle(100), controls.throttle(400)]).toEqual([
      undefined,
      undefined,
      600,
    ]);
    expect(controls.throttle(1000)).toBeUndefined();
    controls.inject({ status: 500 }, { status: 429 });
    expect([
      controls.nextInjected()?.status,
      controls.nextInjected()?.status,
      controls.nextInjected(),
    ]).toEqual([500, 429, undefined]);
  });

  it("reports what is left of the window", () => {
    const controls = new EmulatorControls({ limit: 2, windowMs: 1000 });
    controls.throttle(5000);
    expect(controls.quota()).toEqual({ remaining: 1, resetAt: 6000 });
    controls.throttle(5100);
    controls.throttle(5200);
    expect(controls.quota()).toEqual({ remaining: 0, resetAt: 6000 });
  });
});
