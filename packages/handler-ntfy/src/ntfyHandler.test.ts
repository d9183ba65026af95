import {
  closedPort,
  closeReceivers,
  deliveryFailure,
  notifyContext,
  recoveryOf,
  sampleTransition,
} from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { type NtfyEmulator, ntfyErrors, startNtfyEmulator } from "./__tests__/ntfyEmulator.js";
import { ntfyHandler } from "./ntfyHandler.js";
import type { NtfyOptions } from "./options.js";

afterEach(closeReceivers);

function handlerFor(server: NtfyEmulator, options: Partial<NtfyOptions> = {}) {
  return ntfyHandler({ topic: "user-service", server: server.url, token: server.token, ...options });
}

describe("ntfyHandler publishes alerts", () => {
  it("publishes JSON to the server root with title, priority and tags by status, and the click link", async () => {
    const server = await startNtfyEmulator();
    server.protectedTopics.add("user-service");

    const receipt = await handlerFor(server, { tags: ["amstaff"] }).notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("ntfy"),
    );

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/");
    expect(req?.headers.authorization).toBe(`Bearer ${server.token}`);
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe(`amstaff-handler-ntfy/${packageJson.version}`);
    expect(req?.body).toEqual({
      topic: "user-service",
      title: "CRITICAL: User Service / Health-Check",
      message: "HTTP 500 from GET http://user-service/health",
      priority: 5,
      tags: ["rotating_light", "production", "team8", "amstaff"],
      click: "https://amstaff.example.com/m/1",
    });
    expect(receipt).toEqual({ id: server.messages[0]?.id, topic: "user-service" });
  });

  it("words reminders, escalations and flapping, with their own priorities", async () => {
    const server = await startNtfyEmulator();
    const handler = handlerFor(server, { priority: { warning: "default" } });
    await handler.notify(
      sampleTransition({ to: "warning", kind: "reminder", from: "warning" }),
      notifyContext("ntfy"),
    );
    await handler.notify(sampleTransition({ kind: "escalation", from: "critical" }), notifyContext("ntfy"));
    await handler.notify(
      sampleTransition({ to: "ok", kind: "flapping", flapping: true }),
      notifyContext("ntfy"),
    );
    await handler.notify(sampleTransition({ to: "unknown" }), notifyContext("ntfy"));
    expect(server.messages.map((m) => [m.title, m.priority, m.tags?.[0]])).toEqual([
      ["Still WARNING: User Service / Health-Check", 3, "warning"],
      ["CRITICAL (escalated): User Service / Health-Check", 5, "rotating_light"],
      ["FLAPPING: User Service / Health-Check (now OK)", 3, "repeat"],
      ["UNKNOWN: User Service / Health-Check", 3, "grey_question"],
    ]);
  });

  it("renders templates, falls back on a blank title, and cuts a long body to 4,096 bytes", async () => {
    const server = await startNtfyEmulator();
    await handlerFor(server, { title: "{{value}}", message: "{{message}} ✓", markdown: true }).notify(
      sampleTransition({
        result: { status: "critical", message: "é".repeat(3000), durationMs: 1, timestamp: 0 },
      }),
      notifyContext("ntfy"),
    );
    const sent = server.requests[0]?.body as { title: string; message: string; markdown: boolean };
    expect(sent.title).toBe("CRITICAL: User Service / Health-Check");
    expect(Buffer.byteLength(sent.message)).toBeLessThanOrEqual(4096);
    expect(sent.message).toMatch(/^é+…$/);
    expect(sent.markdown).toBe(true);
    expect(server.messages[0]?.content_type).toBe("text/markdown");
  });
});

describe("ntfyHandler follows the alert with its recovery", () => {
  it("publishes the recovery to the alert's topic, quietly, and nothing for a first status of ok", async () => {
    const server = await startNtfyEmulator();
    const alert = sampleTransition();
    const receipt = await handlerFor(server).notify(alert, notifyContext("ntfy"));

    // The module moved to another topic meanwhile: the recovery still follows its alert.
    const moved = handlerFor(server, { topic: "elsewhere" });
    const resolved = await moved.notify(
      recoveryOf(alert),
      notifyContext("ntfy", { receipt: receipt ?? undefined }),
    );

    expect(server.messages[1]).toMatchObject({
      topic: "user-service",
      title: "RESOLVED: User Service / Health-Check",
      message: "Recovered from CRITICAL after 1h 5m: HTTP 200 from GET http://user-service/health",
      priority: 2,
      tags: ["white_check_mark", "production", "team8"],
    });
    expect(resolved).toEqual({ id: server.messages[1]?.id, topic: "user-service" });

    const first = await moved.notify(
      sampleTransition({ from: "pending", to: "ok", incident: undefined }),
      notifyContext("ntfy"),
    );
    expect(first).toBeUndefined();
    expect(server.requests).toHaveLength(2);
  });
});

describe("ntfyHandler failures", () => {
  it("retries a 429 after its Retry-After, with ntfy's own error", async () => {
    const server = await startNtfyEmulator();
    server.inject({ status: 429, body: ntfyErrors.tooManyRequests, headers: { "retry-after": "12" } });
    const error = await deliveryFailure(handlerFor(server).notify(sampleTransition(), notifyContext("ntfy")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(12_000);
    expect(error.message).toContain("limit reached: too many requests, please be nice [42901]");
  });

  it("retries when the server's request limit is reached", async () => {
    const server = await startNtfyEmulator();
    server.rateLimit.limit = 1;
    const handler = handlerFor(server);
    await handler.notify(sampleTransition(), notifyContext("ntfy"));
    const error = await deliveryFailure(
      handler.notify(recoveryOf(sampleTransition()), notifyContext("ntfy")),
    );
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
    expect(server.messages).toHaveLength(1);
  });

  it("does not retry a refused token or a protected topic, and never shows the token", async () => {
    const server = await startNtfyEmulator();
    server.protectedTopics.add("user-service");
    const wrong = "tk_0123456789abcdefghijklmnopqrs";
    const unauthorized = await deliveryFailure(
      handlerFor(server, { token: wrong }).notify(sampleTransition(), notifyContext("ntfy")),
    );
    expect(unauthorized.retryable).toBe(false);
    expect(unauthorized.message).toContain("the access token was refused");
    expect(unauthorized.message).toContain("unauthorized [40101]");
    expect(unauthorized.message).not.toContain(wrong);

    const forbidden = await deliveryFailure(
      ntfyHandler({ topic: "user-service", server: server.url }).notify(
        sampleTransition(),
        notifyContext("ntfy"),
      ),
    );
    expect(forbidden.retryable).toBe(false);
    expect(forbidden.message).toContain("the topic is protected: set token");
  });

  it("retries a 5xx and an unreachable server", async () => {
    const server = await startNtfyEmulator();
    server.inject({ status: 502, body: "bad gateway" });
    const bad = await deliveryFailure(handlerFor(server).notify(sampleTransition(), notifyContext("ntfy")));
    expect(bad.retryable).toBe(true);
    expect(bad.message).toContain("HTTP 502");

    const port = await closedPort();
    const refused = await deliveryFailure(
      ntfyHandler({ topic: "t", server: `http://127.0.0.1:${port}` }).notify(
        sampleTransition(),
        notifyContext("ntfy"),
      ),
    );
    expect(refused.retryable).toBe(true);
    expect(refused.message).toContain("refused");
  });
});
