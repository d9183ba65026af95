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
import { type PagerdutyEmulator, startPagerdutyEmulator } from "./__tests__/pagerdutyEmulator.js";
import type { AlertEvent } from "./events.js";
import type { PagerdutyOptions } from "./options.js";
import { pagerdutyHandler } from "./pagerdutyHandler.js";

afterEach(closeReceivers);

function eventAt(emulator: PagerdutyEmulator, index: number): AlertEvent | undefined {
  return emulator.requests[index]?.body as AlertEvent | undefined;
}

function handlerFor(emulator: PagerdutyEmulator, options: Partial<PagerdutyOptions> = {}) {
  return pagerdutyHandler({ routingKey: emulator.routingKey, baseUrl: emulator.url, ...options });
}

describe("pagerdutyHandler triggers alerts", () => {
  it("sends a trigger deduplicated by the incident, with the documented event shape", async () => {
    const pd = await startPagerdutyEmulator();
    const handler = handlerFor(pd, {
      group: "user-service-prod",
      class: "health-check",
      details: { runbook: "https://wiki.example.com/user-service" },
      links: [{ href: "https://grafana.example.com/d/users", text: "Dashboard" }],
    });

    const receipt = await handler.notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("pagerduty"),
    );

    expect(receipt).toEqual({ dedupKey: "inc-42" });
    expect(pd.requests).toHaveLength(1);
    const [req] = pd.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v2/enqueue");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe(`amstaff-handler-pagerduty/${packageJson.version}`);
    expect(req?.body).toEqual({
      routing_key: pd.routingKey,
      event_action: "trigger",
      dedup_key: "inc-42",
      payload: {
        summary: "CRITICAL: User Service / Health-Check: HTTP 500 from GET http://user-service/health",
        source: "User Service",
        severity: "critical",
        timestamp: "2026-11-24T01:05:00.000Z",
        component: "Health-Check",
        group: "user-service-prod",
        class: "health-check",
        custom_details: {
          module: "User Service",
          monitor: "Health-Check",
          status: "critical",
          previousStatus: "ok",
          kind: "transition",
          message: "HTTP 500 from GET http://user-service/health",
          since: "2026-11-24T01:05:00.000Z",
          value: "12.5",
          tags: ["production", "team8"],
          incident: "inc-42",
          runbook: "https://wiki.example.com/user-service",
        },
      },
      client: "Amstaff",
      client_url: "https://amstaff.example.com/m/1",
      links: [
        { href: "https://amstaff.example.com/m/1", text: "Monitor in Amstaff" },
        { href: "https://grafana.example.com/d/users", text: "Dashboard" },
      ],
    });
    expect(pd.alerts).toMatchObject([{ dedupKey: "inc-42", status: "triggered" }]);
  });

  it("maps statuses to severities: unknown is an error, flapping a warning, both configurable", async () => {
    const pd = await startPagerdutyEmulator();
    const severityOf = async (
      handler: ReturnType<typeof handlerFor>,
      overrides: Parameters<typeof sampleTransition>[0],
    ) => {
      pd.requests.length = 0;
      await handler.notify(sampleTransition(overrides), notifyContext("pagerduty"));
      return eventAt(pd, 0)?.payload?.severity;
    };
    const handler = handlerFor(pd);
    expect(await severityOf(handler, { to: "warning" })).toBe("warning");
    expect(await severityOf(handler, { to: "unknown" })).toBe("error");
    expect(await severityOf(handler, { to: "ok", kind: "flapping", flapping: true })).toBe("warning");
    const custom = handlerFor(pd, { severity: { warning: "info", unknown: "critical" } });
    expect(await severityOf(custom, { to: "warning" })).toBe("info");
    expect(await severityOf(custom, { to: "unknown" })).toBe("critical");
  });

  it("falls back to the default summary when the template renders blank, and hashes an over-long key", async () => {
    const pd = await startPagerdutyEmulator();
    const key = `inc-${"x".repeat(300)}`;
    await handlerFor(pd, { summary: "{{value}}" }).notify(
      sampleTransition({
        incident: { key, openedAt: 0 },
        result: { status: "critical", message: "down", durationMs: 1, timestamp: 0 },
      }),
      notifyContext("pagerduty"),
    );
    const body = pd.requests[0]?.body as { dedup_key: string; payload: { summary: string } };
    expect(body.payload.summary).toBe("CRITICAL: User Service / Health-Check: down");
    expect(body.dedup_key).toMatch(/^amstaff:[0-9a-f]{64}$/);
    expect(pd.alerts).toHaveLength(1);
  });
});

describe("pagerdutyHandler follows the incident", () => {
  it("resolves the alert the receipt names, and sends nothing for a first status of ok", async () => {
    const pd = await startPagerdutyEmulator();
    const handler = handlerFor(pd);
    const alert = sampleTransition();
    const receipt = await handler.notify(alert, notifyContext("pagerduty"));

    const resolved = await handler.notify(
      recoveryOf(alert, { incident: { key: "inc-other", openedAt: 0 } }),
      notifyContext("pagerduty", { receipt: receipt ?? undefined }),
    );

    expect(resolved).toEqual({ dedupKey: "inc-42" });
    expect(pd.requests[1]?.body).toEqual({
      routing_key: pd.routingKey,
      event_action: "resolve",
      dedup_key: "inc-42",
    });
    expect(pd.alerts).toMatchObject([{ dedupKey: "inc-42", status: "resolved" }]);

    const first = await handler.notify(
      sampleTransition({ from: "pending", to: "ok", incident: undefined }),
      notifyContext("pagerduty"),
    );
    expect(first).toBeUndefined();
    expect(pd.requests).toHaveLength(2);
  });

  it("acknowledges the PagerDuty alert of an incident acknowledged in Amstaff", async () => {
    const pd = await startPagerdutyEmulator();
    const handler = handlerFor(pd);
    const alert = sampleTransition();
    const receipt = await handler.notify(alert, notifyContext("pagerduty"));
    const acknowledged = sampleTransition({
      id: "tr-0002",
      from: "critical",
      to: "warning",
      incident: {
        key: "inc-42",
        openedAt: alert.since,
        acknowledged: { by: "alice", at: alert.since + 60_000 },
      },
    });

    await handler.notify(acknowledged, notifyContext("pagerduty", { receipt: receipt ?? undefined }));

    expect(pd.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual([
      "trigger",
      "trigger",
      "acknowledge",
    ]);
    expect(eventAt(pd, 1)?.payload?.custom_details.acknowledgedBy).toBe("alice");
    expect(pd.alerts).toMatchObject([{ dedupKey: "inc-42", status: "acknowledged", triggers: 2 }]);
  });
});

describe("pagerdutyHandler acknowledged notifications", () => {
  it("sends acknowledge at once, without waiting for the incident's next notification", async () => {
    const pd = await startPagerdutyEmulator();
    const handler = handlerFor(pd);
    const alert = sampleTransition();
    const receipt = await handler.notify(alert, notifyContext("pagerduty"));
    const ack = sampleTransition({
      id: "tr-0002",
      from: "critical",
      to: "critical",
      kind: "acknowledged",
      incident: {
        key: "inc-42",
        openedAt: alert.since,
        acknowledged: { by: "alice", at: alert.since + 60_000 },
      },
    });

    await handler.notify(ack, notifyContext("pagerduty", { receipt: receipt ?? undefined }));

    expect(pd.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual([
      "trigger",
      "acknowledge",
    ]);
    expect(pd.alerts).toMatchObject([{ dedupKey: "inc-42", status: "acknowledged", triggers: 1 }]);
  });

  it("sends nothing for an incident it never triggered", async () => {
    const pd = await startPagerdutyEmulator();
    const ack = sampleTransition({ kind: "acknowledged" });
    expect(await handlerFor(pd).notify(ack, notifyContext("pagerduty"))).toBeUndefined();
    expect(pd.requests).toEqual([]);
  });
});

describe("pagerdutyHandler failures", () => {
  it("retries a 429 after the Retry-After it was given", async () => {
    const pd = await startPagerdutyEmulator();
    pd.inject({ status: 429, headers: { "retry-after": "7" } });
    const error = await deliveryFailure(
      handlerFor(pd).notify(sampleTransition(), notifyContext("pagerduty")),
    );
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7_000);
    expect(error.message).toContain("rate-limiting");

    await handlerFor(pd).notify(sampleTransition(), notifyContext("pagerduty", { attempt: 2 }));
    expect(pd.alerts).toHaveLength(1);
  });

  it("retries when the integration is over PagerDuty's rate limit", async () => {
    const pd = await startPagerdutyEmulator();
    pd.rateLimit.limit = 1;
    const handler = handlerFor(pd);
    const receipt = await handler.notify(sampleTransition(), notifyContext("pagerduty"));
    const error = await deliveryFailure(
      handler.notify(
        recoveryOf(sampleTransition()),
        notifyContext("pagerduty", { receipt: receipt ?? undefined }),
      ),
    );
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toBe(
      `pagerduty ${pd.url}/v2/enqueue: resolve inc-42: PagerDuty is rate-limiting this integration (HTTP 429); will retry`,
    );
    expect(pd.alerts[0]?.status).toBe("triggered");
  });

  it("retries a 5xx, and gives up on an invalid event with PagerDuty's reasons, never the key", async () => {
    const pd = await startPagerdutyEmulator();
    pd.inject({ status: 503, body: "upstream unavailable" });
    const unavailable = await deliveryFailure(
      handlerFor(pd).notify(sampleTransition(), notifyContext("pagerduty")),
    );
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.message).toContain("HTTP 503: upstream unavailable");

    const shortKey = "0123456789abcdef";
    const invalid = await deliveryFailure(
      pagerdutyHandler({ routingKey: shortKey, baseUrl: pd.url }).notify(
        sampleTransition(),
        notifyContext("pagerduty"),
      ),
    );
    expect(invalid.retryable).toBe(false);
    expect(invalid.message).toContain(
      "Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters))",
    );
    expect(invalid.message).not.toContain(shortKey);
  });

  it("retries when PagerDuty cannot be reached", async () => {
    const port = await closedPort();
    const error = await deliveryFailure(
      pagerdutyHandler(
        { routingKey: { $secret: "PD_KEY" }, baseUrl: `http://127.0.0.1:${port}` },
        {
          secrets: () => "R0123456789ABCDEF0123456789ABCDE",
        },
      ).notify(sampleTransition(), notifyContext("pagerduty")),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("refused");
  });
});
