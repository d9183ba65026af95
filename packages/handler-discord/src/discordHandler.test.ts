import { AmstaffError } from "@amstaff/core";
import {
  closeReceivers,
  deliveryFailure,
  notifyContext,
  recoveryOf,
  sampleTransition,
} from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { type DiscordEmulator, startDiscordEmulator } from "./__tests__/discordEmulator.js";
import { discordHandler } from "./discordHandler.js";
import { statusColors, type WebhookMessage } from "./discordMessage.js";
import type { DiscordOptions } from "./options.js";

afterEach(closeReceivers);

// The webhook URL comes from a secret, as in a module file.
function handlerFor(discord: DiscordEmulator, options: Partial<DiscordOptions> = {}) {
  return discordHandler(
    { url: { $secret: "DISCORD_WEBHOOK_URL" }, ...options },
    { secrets: () => discord.url },
  );
}

const sent = (discord: DiscordEmulator, index: number) => discord.requests[index]?.body as WebhookMessage;

describe("discordHandler posts alerts", () => {
  it("executes the webhook with ?wait=true and one embed coloured by status, pinging no one", async () => {
    const discord = await startDiscordEmulator();
    const receipt = await handlerFor(discord).notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("discord"),
    );

    const [req] = discord.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe(`/api/webhooks/${discord.webhookId}/${discord.token}`);
    expect(req?.query).toEqual({ wait: "true" });
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["user-agent"]).toBe(
      `DiscordBot (https://github.com/amstaff-dev/amstaff, ${packageJson.version}) amstaff-handler-discord`,
    );
    const since = Date.parse("2026-11-24T01:05:00Z") / 1000;
    expect(req?.body).toEqual({
      embeds: [
        {
          title: "CRITICAL: User Service / Health-Check",
          description: "HTTP 500 from GET http://user-service/health",
          url: "https://amstaff.example.com/m/1",
          color: statusColors.critical,
          timestamp: "2026-11-24T01:05:00.000Z",
          fields: [
            { name: "Status", value: "critical (was ok for 5m)", inline: true },
            { name: "Value", value: "12.5", inline: true },
            { name: "Since", value: `<t:${since}:f> (<t:${since}:R>)`, inline: true },
            { name: "Incident", value: `inc-42, opened <t:${since}:f>` },
            { name: "Tags", value: "production, team8" },
          ],
          footer: { text: "Amstaff" },
        },
      ],
      allowed_mentions: { parse: [] },
    });
    expect(receipt).toEqual({ messageId: discord.messages[0]?.id, channelId: discord.channelId });
  });

  it("pings the configured users and roles only, never @everyone from a monitor's message", async () => {
    const discord = await startDiscordEmulator();
    await handlerFor(discord, {
      mentions: { users: ["323456789012345678"], roles: ["423456789012345678"] },
      description: "@everyone {{message}}",
      username: "Amstaff",
    }).notify(sampleTransition(), notifyContext("discord"));

    expect(sent(discord, 0)).toMatchObject({
      content: "<@323456789012345678> <@&423456789012345678>",
      username: "Amstaff",
      allowed_mentions: { parse: [], users: ["323456789012345678"], roles: ["423456789012345678"] },
    });
    expect(discord.messages[0]).toMatchObject({
      mentions: [{ id: "323456789012345678" }],
      mention_roles: ["423456789012345678"],
      mention_everyone: false,
    });
  });

  it("posts into a thread, and colours warnings, unknowns and flapping", async () => {
    const discord = await startDiscordEmulator();
    const handler = handlerFor(discord, { threadId: "523456789012345678" });
    await handler.notify(sampleTransition({ to: "warning" }), notifyContext("discord"));
    await handler.notify(sampleTransition({ to: "unknown" }), notifyContext("discord"));
    await handler.notify(
      sampleTransition({ to: "ok", kind: "flapping", flapping: true }),
      notifyContext("discord"),
    );
    expect(discord.requests.map((r) => r.query.thread_id)).toEqual(Array(3).fill("523456789012345678"));
    expect(discord.messages.map((m) => [m.channel_id, m.embeds[0]?.color, m.embeds[0]?.title])).toEqual([
      ["523456789012345678", statusColors.warning, "WARNING: User Service / Health-Check"],
      ["523456789012345678", statusColors.unknown, "UNKNOWN: User Service / Health-Check"],
      ["523456789012345678", statusColors.flapping, "FLAPPING: User Service / Health-Check (now OK)"],
    ]);
  });
});

describe("discordHandler resolves", () => {
  it("edits the alert's message into a resolved card, then posts the recovery (resolve: both)", async () => {
    const discord = await startDiscordEmulator();
    const handler = handlerFor(discord, { mentions: { roles: ["423456789012345678"] } });
    const alert = sampleTransition();
    const receipt = await handler.notify(alert, notifyContext("discord"));

    await handler.notify(recoveryOf(alert), notifyContext("discord", { receipt: receipt ?? undefined }));

    const [, edit, post] = discord.requests;
    expect(edit?.method).toBe("PATCH");
    expect(edit?.path).toBe(
      `/api/webhooks/${discord.webhookId}/${discord.token}/messages/${discord.messages[0]?.id}`,
    );
    expect(edit?.body).toMatchObject({ content: "", allowed_mentions: { parse: [] } });
    expect(post?.method).toBe("POST");
    expect(discord.messages[0]).toMatchObject({
      content: "",
      edited_timestamp: expect.any(String),
      embeds: [
        {
          title: "RESOLVED: User Service / Health-Check",
          description: "Recovered from CRITICAL after 1h 5m: HTTP 200 from GET http://user-service/health",
          color: statusColors.ok,
        },
      ],
    });
    expect(discord.messages[1]).toMatchObject({
      content: "",
      mention_roles: [],
      embeds: [{ color: statusColors.ok }],
    });
    expect(sent(discord, 2).allowed_mentions).toEqual({ parse: [] });
  });

  it("only edits with resolve: edit, and posts when the alert's message is gone", async () => {
    const discord = await startDiscordEmulator();
    const handler = handlerFor(discord, { resolve: "edit" });
    const alert = sampleTransition();
    const receipt = await handler.notify(alert, notifyContext("discord"));
    await handler.notify(recoveryOf(alert), notifyContext("discord", { receipt: receipt ?? undefined }));
    expect(discord.requests.map((r) => r.method)).toEqual(["POST", "PATCH"]);
    expect(discord.messages).toHaveLength(1);

    await handler.notify(
      recoveryOf(alert),
      notifyContext("discord", { receipt: { messageId: "1", channelId: "2" } }),
    );
    expect(discord.requests.map((r) => r.method)).toEqual(["POST", "PATCH", "PATCH", "POST"]);
    expect(discord.messages[1]?.embeds[0]?.title).toBe("RESOLVED: User Service / Health-Check");

    const first = await handler.notify(
      sampleTransition({ from: "pending", to: "ok", incident: undefined }),
      notifyContext("discord"),
    );
    expect(first).toBeUndefined();
    expect(discord.requests).toHaveLength(4);
  });
});

describe("discordHandler and rate limits", () => {
  it("waits for the bucket to reset instead of running into a 429", async () => {
    const discord = await startDiscordEmulator();
    discord.rateLimit = { limit: 1, windowMs: 400 };
    const handler = handlerFor(discord);
    await handler.notify(sampleTransition(), notifyContext("discord"));
    const started = Date.now();
    await handler.notify(sampleTransition({ kind: "reminder", from: "critical" }), notifyContext("discord"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(discord.messages).toHaveLength(2);
    expect(discord.requests).toHaveLength(2);
  });

  it("fails a 429 as retryable after the longest wait Discord gave", async () => {
    const discord = await startDiscordEmulator();
    discord.inject({
      status: 429,
      body: { message: "You are being rate limited.", retry_after: 2.5, global: false },
      headers: { "retry-after": "3", "x-ratelimit-reset-after": "2.5", "x-ratelimit-scope": "shared" },
    });
    const error = await deliveryFailure(
      handlerFor(discord).notify(sampleTransition(), notifyContext("discord")),
    );
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(3_000);
    expect(error.message).toContain("Discord is rate-limiting this webhook");
  });

  it("fails fast, as retryable, while the bucket stays closed longer than the timeout", async () => {
    const discord = await startDiscordEmulator();
    discord.inject({
      status: 429,
      body: { message: "You are being rate limited.", retry_after: 30, global: true },
    });
    const handler = handlerFor(discord, { timeout: "1s" });
    expect(
      (await deliveryFailure(handler.notify(sampleTransition(), notifyContext("discord")))).message,
    ).toContain("(global limit)");
    const closed = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("discord")));
    expect(closed.retryable).toBe(true);
    expect(closed.retryAfterMs).toBeGreaterThan(28_000);
    expect(discord.requests).toHaveLength(1);
  });
});

describe("discordHandler failures", () => {
  it("does not retry a refused message or a deleted webhook, and never shows the token", async () => {
    const discord = await startDiscordEmulator();
    discord.inject({
      status: 400,
      body: {
        code: 50035,
        errors: {
          embeds: {
            "0": {
              title: {
                _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 256 or fewer in length." }],
              },
            },
          },
        },
        message: "Invalid Form Body",
      },
    });
    const invalid = await deliveryFailure(
      handlerFor(discord).notify(sampleTransition(), notifyContext("discord")),
    );
    expect(invalid.retryable).toBe(false);
    expect(invalid.message).toContain(
      "Invalid Form Body [50035] (embeds.0.title: Must be 256 or fewer in length.)",
    );

    const wrong = discordHandler({ url: discord.url.replace(/\/\d+\//, "/1/") });
    const gone = await deliveryFailure(wrong.notify(sampleTransition(), notifyContext("discord")));
    expect(gone.retryable).toBe(false);
    expect(gone.message).toContain(
      "the webhook was deleted or its URL is wrong: check url (HTTP 404: Unknown Webhook [10015])",
    );
    for (const text of [invalid.message, gone.message, wrong.name, JSON.stringify(gone.details)])
      expect(text).not.toContain(discord.token);
  });

  it("retries a 5xx", async () => {
    const discord = await startDiscordEmulator();
    discord.inject({ status: 502, body: "<html>bad gateway</html>" });
    const error = await deliveryFailure(
      handlerFor(discord).notify(sampleTransition(), notifyContext("discord")),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("HTTP 502");
  });

  it("refuses a secret that is no webhook URL without showing it", () => {
    const value = "https://example.com/not-a-webhook/s3cr3t";
    let error: unknown;
    try {
      discordHandler({ url: { $secret: "W" } }, { secrets: () => value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AmstaffError);
    expect((error as AmstaffError).code).toBe("AMS_ERR_PLUGIN_OPTIONS");
    expect((error as Error).message).not.toContain("s3cr3t");
  });
});
