import type { DeliveryReceipt, SampleStatus, Transition } from "@amstaff/core";
import { closedPort, deliveryFailure, notifyContext, sampleTransition } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import {
  closeEmulators,
  type OpsgenieEmulator,
  startOpsgenieEmulator,
} from "./__tests__/opsgenieEmulator.js";
import { opsgenieHandler } from "./opsgenieHandler.js";
import type { OpsgenieOptions } from "./options.js";

afterEach(async () => {
  await closeEmulators();
  delete process.env.AMSTAFF_TEST_OPSGENIE_KEY;
});

function handlerFor(emulator: OpsgenieEmulator, options: Partial<OpsgenieOptions> = {}) {
  return opsgenieHandler({ apiKey: emulator.apiKey, baseUrl: emulator.url, ...options });
}

const recovered = (overrides: Partial<Transition> = {}) =>
  sampleTransition({
    id: "tr-0002",
    from: "critical",
    to: "ok",
    since: Date.parse("2026-11-24T01:17:00Z"),
    previousSince: Date.parse("2026-11-24T01:05:00Z"),
    result: {
      status: "ok",
      message: "HTTP 200",
      durationMs: 4,
      timestamp: Date.parse("2026-11-24T01:17:00Z"),
    },
    ...overrides,
  });

describe("opsgenieHandler opens alerts", () => {
  it("creates an alert aliased by the incident, with the documented request shape", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og, {
      responders: [
        { type: "team", name: "user-service" },
        { type: "user", username: "alice@example.com" },
      ],
      tags: ["amstaff"],
      details: { runbook: "https://wiki.example.com/user-service" },
    });

    const receipt = await handler.notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("opsgenie"),
    );

    expect(og.requests).toHaveLength(1);
    const [req] = og.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v2/alerts");
    expect(req?.headers.authorization).toBe(`GenieKey ${og.apiKey}`);
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe(`amstaff-handler-opsgenie/${packageJson.version}`);
    expect(req?.body).toEqual({
      message: "User Service / Health-Check: HTTP 500 from GET http://user-service/health",
      alias: "inc-42",
      description: expect.stringContaining("Status: critical (was ok for 5m)"),
      responders: [
        { type: "team", name: "user-service" },
        { type: "user", username: "alice@example.com" },
      ],
      tags: ["production", "team8", "amstaff"],
      details: {
        module: "User Service",
        monitor: "Health-Check",
        status: "critical",
        previousStatus: "ok",
        kind: "transition",
        since: "2026-11-24T01:05:00.000Z",
        value: "12.5",
        incident: "inc-42",
        link: "https://amstaff.example.com/m/1",
        runbook: "https://wiki.example.com/user-service",
      },
      entity: "User Service",
      source: "Amstaff",
      priority: "P1",
    });
    expect(og.alerts).toMatchObject([{ alias: "inc-42", status: "open", count: 1, priority: "P1" }]);
    expect(receipt).toEqual({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), alias: "inc-42" });
  });

  it("maps statuses to priorities, with defaults and overrides", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og, { priority: { warning: "P2" } });
    await handler.notify(
      sampleTransition({ to: "warning", incident: { key: "a", openedAt: 0 } }),
      notifyContext("opsgenie"),
    );
    await handler.notify(
      sampleTransition({ to: "unknown", incident: { key: "b", openedAt: 0 } }),
      notifyContext("opsgenie"),
    );
    await handler.notify(
      sampleTransition({ to: "critical", incident: { key: "c", openedAt: 0 } }),
      notifyContext("opsgenie"),
    );
    expect(og.alerts.map((a) => [a.alias, a.priority])).toEqual([
      ["a", "P2"],
      ["b", "P3"],
      ["c", "P1"],
    ]);
  });

  it("lets OpsGenie deduplicate repeats and reminders on the alias: one alert, counted", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    await handler.notify(sampleTransition(), notifyContext("opsgenie"));
    await handler.notify(sampleTransition(), notifyContext("opsgenie", { attempt: 2 }));
    await handler.notify(
      sampleTransition({ id: "tr-r1", kind: "reminder", from: "critical" }),
      notifyContext("opsgenie"),
    );
    expect(og.alerts).toHaveLength(1);
    expect(og.alerts[0]).toMatchObject({ alias: "inc-42", count: 3, status: "open" });
    expect(og.requests[2]?.body).toMatchObject({
      note: "Reminder: still critical since 2026-11-24T01:05:00.000Z, incident open since 2026-11-24T01:05:00.000Z: HTTP 500 from GET http://user-service/health",
    });
  });

  it("raises the priority of the open alert when warning becomes critical", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const warning = sampleTransition({ to: "warning" });
    const first = await handler.notify(warning, notifyContext("opsgenie"));
    await handler.notify(
      sampleTransition({ id: "tr-0002", from: "warning", to: "critical" }),
      notifyContext("opsgenie", { receipt: first as DeliveryReceipt }),
    );
    expect(og.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v2/alerts",
      "POST /v2/alerts",
      "PUT /v2/alerts/inc-42/priority",
    ]);
    expect(og.requests[2]?.query).toEqual({ identifierType: "alias" });
    expect(og.requests[2]?.body).toEqual({ priority: "P1" });
    expect(og.alerts).toMatchObject([{ alias: "inc-42", count: 2, priority: "P1" }]);
    expect(og.alerts[0]?.notes.map((n) => n.note)).toEqual([
      "warning → critical: HTTP 500 from GET http://user-service/health",
    ]);
  });

  it("cuts the message to OpsGenie's 130 characters", async () => {
    const og = await startOpsgenieEmulator();
    const long = "x".repeat(300);
    await handlerFor(og).notify(
      sampleTransition({ result: { status: "critical", message: long, durationMs: 1, timestamp: 0 } }),
      notifyContext("opsgenie"),
    );
    const { message } = og.requests[0]!.body as { message: string };
    expect(message).toHaveLength(130);
    expect(message.endsWith("…")).toBe(true);
    expect(og.alerts).toHaveLength(1);
  });

  it("renders message, description and entity templates", async () => {
    const og = await startOpsgenieEmulator();
    await handlerFor(og, {
      message: "{{TO}} {{monitor}}",
      description: "{{message}} since {{since}}",
      entity: "{{module}}/{{monitor}}",
      source: "amstaff-prod",
    }).notify(sampleTransition(), notifyContext("opsgenie"));
    expect(og.requests[0]?.body).toMatchObject({
      message: "CRITICAL Health-Check",
      description: "HTTP 500 from GET http://user-service/health since 2026-11-24T01:05:00.000Z",
      entity: "User Service/Health-Check",
      source: "amstaff-prod",
    });
  });
});

describe("opsgenieHandler escalations and flapping", () => {
  const flapping = (to: SampleStatus, overrides: Partial<Transition> = {}) =>
    sampleTransition({
      id: "tr-0007",
      kind: "flapping",
      flapping: true,
      from: to === "ok" ? "critical" : "ok",
      to,
      result: { status: to, message: `HTTP ${to === "ok" ? 200 : 500}`, durationMs: 4, timestamp: 0 },
      ...overrides,
    });

  it("opens the incident's alert on an escalation, at the status's priority, saying it was escalated", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const receipt = await handler.notify(
      sampleTransition({
        id: "tr-0001-e1",
        kind: "escalation",
        from: "critical",
        since: Date.parse("2026-11-24T01:10:00Z"),
      }),
      notifyContext("opsgenie"),
    );
    expect(og.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v2/alerts"]);
    expect(og.requests[0]?.body).toMatchObject({
      alias: "inc-42",
      priority: "P1",
      message: "User Service / Health-Check: HTTP 500 from GET http://user-service/health",
      description: expect.stringMatching(
        /^CRITICAL \(escalated\): User Service \/ Health-Check\n[\s\S]*Status: critical \(escalated: failing since 2026-11-24T01:05:00\.000Z, not acknowledged\)/,
      ),
      note: "Escalated: still critical since 2026-11-24T01:10:00.000Z, incident open since 2026-11-24T01:05:00.000Z, not acknowledged: HTTP 500 from GET http://user-service/health",
      details: expect.objectContaining({ kind: "escalation", status: "critical" }),
    });
    expect(receipt).toMatchObject({ alias: "inc-42" });

    await handler.notify(recovered(), notifyContext("opsgenie", { receipt: receipt as DeliveryReceipt }));
    expect(og.alerts).toMatchObject([{ alias: "inc-42", status: "closed", priority: "P1" }]);
  });

  it("opens an alert for a flapping announcement even while ok, at the flapping priority, and closes it on the resolve", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const receipt = await handler.notify(flapping("ok"), notifyContext("opsgenie"));

    expect(og.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v2/alerts"]);
    expect(og.requests[0]?.body).toMatchObject({
      alias: "inc-42",
      priority: "P3",
      message: "FLAPPING: User Service / Health-Check (now OK)",
      description: expect.stringContaining(
        "Status: flapping, now ok (changes are held back until the monitor settles)",
      ),
      details: expect.objectContaining({ kind: "flapping", flapping: "true", status: "ok" }),
    });
    expect(og.alerts).toMatchObject([{ alias: "inc-42", status: "open", priority: "P3" }]);

    // As the server sends a resolve after flapping: from the incident's worst status, since it opened.
    await handler.notify(
      recovered({ id: "tr-0008", from: "critical", flapping: undefined }),
      notifyContext("opsgenie", { receipt: receipt as DeliveryReceipt }),
    );
    expect(og.requests[1]?.path).toBe("/v2/alerts/inc-42/close");
    expect(og.requests[1]?.body).toEqual({
      source: "Amstaff",
      note: "Recovered from CRITICAL after 12m: HTTP 200",
    });
    expect(og.alerts).toMatchObject([{ alias: "inc-42", status: "closed" }]);
  });

  it("raises a flapping alert to the priority of the failing status it settles on", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og, { priority: { flapping: "P4" } });
    const receipt = await handler.notify(flapping("critical"), notifyContext("opsgenie"));
    // The monitor settles critical: the status it last had while flapping was ok.
    await handler.notify(
      sampleTransition({ id: "tr-0008" }),
      notifyContext("opsgenie", { receipt: receipt as DeliveryReceipt }),
    );

    expect(og.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v2/alerts",
      "POST /v2/alerts",
      "PUT /v2/alerts/inc-42/priority",
    ]);
    expect(og.requests[0]?.body).toMatchObject({ priority: "P4" });
    expect(og.alerts).toMatchObject([{ alias: "inc-42", count: 2, status: "open", priority: "P1" }]);
  });

  it("says in a note when flapping ends at the status it had, and still sets the priority", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const receipt = await handler.notify(flapping("critical"), notifyContext("opsgenie"));
    await handler.notify(
      sampleTransition({ id: "tr-0008", from: "critical" }),
      notifyContext("opsgenie", { receipt: receipt as DeliveryReceipt }),
    );
    expect(og.alerts[0]?.notes.map((n) => n.note)).toEqual([
      "Flapping, now critical: changes are held back until the monitor settles: HTTP 500",
      "No longer flapping, settled critical: HTTP 500 from GET http://user-service/health",
    ]);
    expect(og.alerts).toMatchObject([{ alias: "inc-42", priority: "P1" }]);
  });

  it("keeps the priority an open alert was paged with when its monitor starts flapping", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const receipt = await handler.notify(sampleTransition(), notifyContext("opsgenie"));
    await handler.notify(
      flapping("ok", { from: "critical" }),
      notifyContext("opsgenie", { receipt: receipt as DeliveryReceipt }),
    );
    expect(og.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v2/alerts", "POST /v2/alerts"]);
    expect(og.alerts).toMatchObject([{ alias: "inc-42", count: 2, status: "open", priority: "P1" }]);
  });
});

describe("opsgenieHandler closes alerts", () => {
  it("closes the incident's alert by alias when the monitor recovers", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const first = await handler.notify(sampleTransition(), notifyContext("opsgenie"));
    const receipt = await handler.notify(
      recovered(),
      notifyContext("opsgenie", { receipt: first as DeliveryReceipt }),
    );

    const close = og.requests[1];
    expect(close?.method).toBe("POST");
    expect(close?.path).toBe("/v2/alerts/inc-42/close");
    expect(close?.query).toEqual({ identifierType: "alias" });
    expect(close?.body).toEqual({ source: "Amstaff", note: "Recovered from CRITICAL after 12m: HTTP 200" });
    expect(og.alerts).toMatchObject([{ alias: "inc-42", status: "closed" }]);
    expect(receipt).toMatchObject({ alias: "inc-42" });
  });

  it("without flap damping, a flapping monitor opens and closes one alert per incident", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    const incident = (key: string) => ({ incident: { key, openedAt: 0 } });
    const r1 = await handler.notify(sampleTransition(incident("inc-1")), notifyContext("opsgenie"));
    await handler.notify(
      recovered(incident("inc-1")),
      notifyContext("opsgenie", { receipt: r1 as DeliveryReceipt }),
    );
    const r2 = await handler.notify(sampleTransition(incident("inc-2")), notifyContext("opsgenie"));
    await handler.notify(
      recovered(incident("inc-2")),
      notifyContext("opsgenie", { receipt: r2 as DeliveryReceipt }),
    );

    expect(og.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /v2/alerts Created alert",
      "POST /v2/alerts/inc-1/close Closed alert",
      "POST /v2/alerts Created alert",
      "POST /v2/alerts/inc-2/close Closed alert",
    ]);
    expect(og.alerts.map((a) => [a.alias, a.status, a.count])).toEqual([
      ["inc-1", "closed", 1],
      ["inc-2", "closed", 1],
    ]);
  });

  it("without incidents, uses one alias per monitor: a new alert after each close", async () => {
    const og = await startOpsgenieEmulator();
    const handler = handlerFor(og);
    await handler.notify(sampleTransition({ incident: undefined }), notifyContext("opsgenie"));
    await handler.notify(recovered({ incident: undefined }), notifyContext("opsgenie"));
    await handler.notify(sampleTransition({ incident: undefined }), notifyContext("opsgenie"));
    expect(og.alerts.map((a) => [a.alias, a.status])).toEqual([
      ["amstaff:User Service/Health-Check", "closed"],
      ["amstaff:User Service/Health-Check", "open"],
    ]);
    expect(og.requests[1]?.path).toBe("/v2/alerts/amstaff%3AUser%20Service%2FHealth-Check/close");
  });

  it("sends nothing when a monitor's first status is ok", async () => {
    const og = await startOpsgenieEmulator();
    const result = await handlerFor(og).notify(
      recovered({ from: "pending", previousSince: undefined, incident: undefined }),
      notifyContext("opsgenie"),
    );
    expect(result).toBeUndefined();
    expect(og.requests).toHaveLength(0);
  });

  it("treats 404 on close as delivered: the alert is gone already", async () => {
    const og = await startOpsgenieEmulator();
    og.closeAbsentAnswers404 = true;
    await expect(handlerFor(og).notify(recovered(), notifyContext("opsgenie"))).resolves.toMatchObject({
      alias: "inc-42",
    });
    expect(og.requests[0]?.status).toBe("Alert does not exist");
  });
});

describe("opsgenieHandler failures", () => {
  it("a refused API key is permanent and never shows the key", async () => {
    const og = await startOpsgenieEmulator();
    process.env.AMSTAFF_TEST_OPSGENIE_KEY = "not-a-genie-key-1234";
    const handler = opsgenieHandler({
      apiKey: { $secret: "AMSTAFF_TEST_OPSGENIE_KEY" },
      baseUrl: og.url,
    });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("opsgenie")));
    expect(og.requests[0]?.headers.authorization).toBe("GenieKey not-a-genie-key-1234");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^opsgenie http:\/\/127\.0\.0\.1:\d+: creating alert inc-42: the API key was refused: check apiKey, and that its integration is enabled \(HTTP 401: Key format is not valid! \[requestId [0-9a-f-]{36}\]\) \(permanent, not retried\)$/,
    );
    expect(`${error.message} ${JSON.stringify(error.details)} ${handler.name}`).not.toContain(
      "not-a-genie-key-1234",
    );
  });

  it("a 422 validation error is permanent and lists OpsGenie's errors", async () => {
    const og = await startOpsgenieEmulator();
    og.inject({
      status: 422,
      body: {
        message: "Request body is not processable. Please check the errors.",
        errors: { message: "Message can not be empty." },
        took: 0.083,
        requestId: "5ad3e7ec-d6a4-4a91-8cf2-6f31e9b2fbf6",
      },
    });
    const error = await deliveryFailure(handlerFor(og).notify(sampleTransition(), notifyContext("opsgenie")));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      "OpsGenie refused the alert (HTTP 422: Request body is not processable. Please check the errors. (message: Message can not be empty.) [requestId 5ad3e7ec-d6a4-4a91-8cf2-6f31e9b2fbf6])",
    );
  });

  it("a 403 says what permission is missing", async () => {
    const og = await startOpsgenieEmulator();
    og.inject({
      status: 403,
      body: { message: "You are not authorized for this action.", took: 0.01, requestId: "r" },
    });
    const error = await deliveryFailure(handlerFor(og).notify(sampleTransition(), notifyContext("opsgenie")));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("the API key may not do this");
  });

  it("a 429 is retryable after OpsGenie's Retry-After", async () => {
    const og = await startOpsgenieEmulator();
    og.inject({
      status: 429,
      body: { message: "You are making too many requests!", took: 0.001, requestId: "r-429" },
      headers: {
        "retry-after": "7",
        "x-ratelimit-state": "THROTTLED",
        "x-ratelimit-reason": "ALERT",
        "x-ratelimit-period-in-sec": "60",
      },
    });
    const error = await deliveryFailure(handlerFor(og).notify(sampleTransition(), notifyContext("opsgenie")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain(
      "OpsGenie is rate-limiting this API key (HTTP 429: You are making too many requests!",
    );
    await handlerFor(og).notify(sampleTransition(), notifyContext("opsgenie", { attempt: 2 }));
    expect(og.alerts).toHaveLength(1);
  });

  it("5xx answers are retryable", async () => {
    const og = await startOpsgenieEmulator();
    og.inject({ status: 503, body: { message: "Service Unavailable" } });
    const error = await deliveryFailure(handlerFor(og).notify(recovered(), notifyContext("opsgenie")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toContain(
      "closing alert inc-42: OpsGenie answered HTTP 503: Service Unavailable; will retry",
    );
  });

  it("a refused connection is retryable", async () => {
    const port = await closedPort();
    const error = await deliveryFailure(
      opsgenieHandler({ apiKey: "k-0000", baseUrl: `http://127.0.0.1:${port}` }).notify(
        sampleTransition(),
        notifyContext("opsgenie"),
      ),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `opsgenie http://127.0.0.1:${port}: creating alert inc-42: connection refused to 127.0.0.1:${port}; will retry`,
    );
  });

  it("gives up when the attempt is aborted, retryably", async () => {
    const og = await startOpsgenieEmulator();
    og.hang = true;
    const controller = new AbortController();
    const delivery = handlerFor(og).notify(
      sampleTransition(),
      notifyContext("opsgenie", { signal: controller.signal }),
    );
    controller.abort(new Error("delivery timed out"));
    const error = await deliveryFailure(delivery);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("aborted (delivery timed out)");
  });
});

describe("opsgenieHandler endpoints", () => {
  it("names itself by the region's API host", () => {
    expect(opsgenieHandler({ apiKey: "k-0000" }).name).toBe("opsgenie https://api.opsgenie.com");
    expect(opsgenieHandler({ apiKey: "k-0000", region: "eu" }).name).toBe(
      "opsgenie https://api.eu.opsgenie.com",
    );
    expect(
      opsgenieHandler({ apiKey: "k-0000", region: "eu", baseUrl: "https://proxy.internal/og/" }).name,
    ).toBe("opsgenie https://proxy.internal/og");
  });

  it("keeps a base path of baseUrl", async () => {
    const og = await startOpsgenieEmulator();
    og.inject({ status: 202, body: { result: "Request will be processed", took: 0.1, requestId: "x" } });
    await handlerFor(og, { baseUrl: `${og.url}/proxy/` }).notify(
      sampleTransition(),
      notifyContext("opsgenie"),
    );
    expect(og.requests[0]?.path).toBe("/proxy/v2/alerts");
  });
});
