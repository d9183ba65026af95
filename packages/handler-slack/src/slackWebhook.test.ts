import { deliveryFailure, notifyContext, recoveryOf } from "@amstaff/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServerSimulation, sampleTransition } from "./__tests__/fixtures.js";
import { type SlackEmulator, startSlackEmulator } from "./__tests__/slackEmulator.js";
import { slackHandler } from "./slackHandler.js";

let slackApi: SlackEmulator;
beforeEach(async () => {
  slackApi = await startSlackEmulator();
});
afterEach(async () => {
  await slackApi.close();
});

function webhook(url = slackApi.webhookUrl, extra: { username?: string; iconEmoji?: string } = {}) {
  return slackHandler({ webhookUrl: { $secret: "SLACK_WEBHOOK" }, ...extra }, { secrets: () => url });
}

const webhookPosts = () => slackApi.requests.filter((r) => r.path.startsWith("/services/"));

describe("slackHandler in webhook mode", () => {
  it("posts the Block Kit message as JSON, with the webhook's username and icon, and no receipt", async () => {
    const handler = webhook(slackApi.webhookUrl, { username: "Amstaff", iconEmoji: ":rotating_light:" });
    await expect(handler.notify(sampleTransition(), notifyContext("slack"))).resolves.toBeUndefined();

    const [post] = webhookPosts();
    expect(post?.headers["content-type"]).toBe("application/json");
    expect(post?.params).toMatchObject({
      username: "Amstaff",
      icon_emoji: ":rotating_light:",
      text: "CRITICAL: User Service / Health-Check: HTTP 500 from GET http://user-service/health",
    });
    const posted = JSON.stringify(post?.params);
    expect(posted).toContain(":red_circle: *CRITICAL* · *User Service / Health-Check*");
    // A webhook cannot receive button clicks: no Acknowledge button.
    expect(posted).not.toContain("amstaff_ack");
    expect(handler.name).toBe("slack webhook");
  });

  it("posts the recovery as a new message: webhooks have no threads", async () => {
    const server = new ServerSimulation(webhook());
    const alert = sampleTransition();
    await server.deliver(alert);
    await server.deliver(recoveryOf(alert));
    const messages = slackApi.topLevel("C0ALERTS1");
    expect(messages.map((m) => m.text.split(":")[0])).toEqual(["CRITICAL", "RESOLVED"]);
    expect(messages.every((m) => m.thread_ts === undefined)).toBe(true);
  });

  it("posts every kind of an incident's notifications as its own message, escalation and flapping included", async () => {
    const server = new ServerSimulation(webhook());
    const alert = sampleTransition();
    await server.deliver({ ...alert, kind: "flapping", flapping: true });
    await server.deliver({ ...alert, id: "tr-0002", kind: "transition", from: "critical" });
    await server.deliver({ ...alert, id: "tr-0003", kind: "escalation", from: "critical" });
    await server.deliver({ ...alert, id: "tr-0004", kind: "reminder", from: "critical" });
    await server.deliver(recoveryOf(alert));
    expect(slackApi.topLevel("C0ALERTS1").map((m) => m.text.split(":")[0])).toEqual([
      "FLAPPING",
      "CRITICAL",
      "CRITICAL (escalated)",
      "Still CRITICAL",
      "RESOLVED",
    ]);
    expect(JSON.stringify(webhookPosts())).not.toContain("amstaff_ack");
  });

  it.each([
    [
      "a revoked webhook (404 no_service)",
      404,
      "no_service",
      /no longer valid \(no_service\).*create a new incoming webhook/,
    ],
    [
      "a restricted channel (403 action_prohibited)",
      403,
      "action_prohibited",
      /restricted posting.*\(action_prohibited\)/,
    ],
    [
      "a refused message (400 invalid_payload)",
      400,
      "invalid_payload",
      /refused the message \(invalid_payload\)/,
    ],
    ["an archived channel (410 channel_is_archived)", 410, "channel_is_archived", /archived/],
  ])("is not retryable for %s, and never shows the URL", async (_name, status, code, message) => {
    slackApi.failNext("webhook", { status, error: code });
    const error = await deliveryFailure(webhook().notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("whsecretpart0123");
    expect(JSON.stringify(error.details)).not.toContain("whsecretpart0123");
  });

  it("is not retryable when the webhook was deleted (unknown URL)", async () => {
    const error = await deliveryFailure(
      webhook(`http://127.0.0.1:${slackApi.port}/services/T0001/B0001/deletedhooksecret`).notify(
        sampleTransition(),
        notifyContext("slack"),
      ),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("no_service");
    expect(error.message).not.toContain("deletedhooksecret");
  });

  it("is retryable after Retry-After when rate-limited, making a single request", async () => {
    slackApi.failNext("webhook", { status: 429, error: "rate_limited", retryAfter: 30 });
    const error = await deliveryFailure(webhook().notify(sampleTransition(), notifyContext("slack")));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 30_000 });
    expect(webhookPosts()).toHaveLength(1);
  });

  it("is retryable for Slack's 5xx, making a single request", async () => {
    slackApi.failNext("webhook", { status: 500, error: "" });
    const error = await deliveryFailure(webhook().notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("HTTP 500");
    expect(webhookPosts()).toHaveLength(1);
  });

  it("is retryable when Slack cannot be reached, without showing the URL", async () => {
    const url = slackApi.webhookUrl;
    await slackApi.close();
    const error = await deliveryFailure(webhook(url).notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not reach Slack/);
    expect(error.message).not.toContain("whsecretpart0123");
  });

  it("refuses a webhook secret that is not a URL, without showing it", () => {
    expect(() => webhook("not-a-url-but-a-secret")).toThrow(
      expect.objectContaining({
        code: "AMS_ERR_PLUGIN_OPTIONS",
        message: expect.not.stringContaining("not-a-url-but-a-secret"),
      }),
    );
  });
});
