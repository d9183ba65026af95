import { closeReceivers } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startPagerdutyEmulator } from "./__tests__/pagerdutyEmulator.js";

afterEach(closeReceivers);

const enqueue = (url: string, body: unknown) =>
  fetch(`${url}/v2/enqueue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

// The handler's tests are only as good as the emulator: check it answers as PagerDuty documents.
describe("the PagerDuty emulator", () => {
  it("answers an event with a short routing key with the documented 400 body", async () => {
    const pd = await startPagerdutyEmulator();
    const response = await enqueue(pd.url, {
      routing_key: "short",
      event_action: "trigger",
      payload: { summary: "disk full", source: "db-1", severity: "critical" },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      status: "invalid event",
      message: "Event object is invalid",
      errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    });
    expect(pd.alerts).toHaveLength(0);
  });

  it("answers 202 with the dedup key, deduplicates triggers, and resolves", async () => {
    const pd = await startPagerdutyEmulator();
    const trigger = {
      routing_key: pd.routingKey,
      event_action: "trigger",
      dedup_key: "inc-1",
      payload: { summary: "disk full", source: "db-1", severity: "critical" },
    };
    const accepted = await enqueue(pd.url, trigger);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({
      status: "success",
      message: "Event processed",
      dedup_key: "inc-1",
    });
    await enqueue(pd.url, trigger);
    expect(pd.alerts).toMatchObject([{ dedupKey: "inc-1", status: "triggered", triggers: 2 }]);
    await enqueue(pd.url, { routing_key: pd.routingKey, event_action: "resolve", dedup_key: "inc-1" });
    expect(pd.alerts[0]?.status).toBe("resolved");
  });

  it("lists every documented rule a trigger breaks", async () => {
    const pd = await startPagerdutyEmulator();
    const response = await enqueue(pd.url, {
      routing_key: pd.routingKey,
      event_action: "trigger",
      payload: {},
    });
    expect(((await response.json()) as { errors: string[] }).errors).toEqual([
      "'payload.summary' is missing or blank",
      "'payload.source' is missing or blank",
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    ]);
  });

  it("answers 429 with an empty body once a routing key is over its rate limit", async () => {
    const pd = await startPagerdutyEmulator();
    pd.rateLimit.limit = 1;
    const event = { routing_key: pd.routingKey, event_action: "resolve", dedup_key: "inc-1" };
    expect((await enqueue(pd.url, event)).status).toBe(202);
    const limited = await enqueue(pd.url, event);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe("");
  });
});
