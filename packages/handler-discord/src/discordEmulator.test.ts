import { closeReceivers } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startDiscordEmulator } from "./__tests__/discordEmulator.js";

afterEach(closeReceivers);

const execute = (url: string, body: unknown, query = "?wait=true") =>
  fetch(`${url}${query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

// The handler's tests are only as good as the emulator: check it answers as Discord documents.
describe("the Discord emulator", () => {
  it("answers the message with ?wait=true, 204 without, with rate-limit headers", async () => {
    const discord = await startDiscordEmulator();
    const waited = await execute(discord.url, { content: "hello" });
    expect(waited.status).toBe(200);
    expect(await waited.json()).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      type: 0,
      content: "hello",
      channel_id: discord.channelId,
      webhook_id: discord.webhookId,
      edited_timestamp: null,
    });
    expect(waited.headers.get("x-ratelimit-limit")).toBe("5");
    expect(waited.headers.get("x-ratelimit-remaining")).toBe("4");
    expect(Number(waited.headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(0);
    expect((await execute(discord.url, { content: "hi" }, "")).status).toBe(204);
  });

  it("refuses what Discord refuses, with its JSON errors", async () => {
    const discord = await startDiscordEmulator();
    const tooLong = await execute(discord.url, { embeds: [{ title: "x".repeat(257) }] });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({
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
    });
    expect(await (await execute(discord.url, {})).json()).toEqual({
      message: "Cannot send an empty message",
      code: 50006,
    });
    const badToken = await execute(discord.url.replace(/\/[^/]+$/, "/nope"), { content: "x" });
    expect(badToken.status).toBe(401);
    expect(await badToken.json()).toEqual({ message: "Invalid Webhook Token", code: 50027 });
  });

  it("answers 429 with retry_after in seconds once the bucket is empty", async () => {
    const discord = await startDiscordEmulator();
    discord.rateLimit = { limit: 1, windowMs: 1500 };
    await execute(discord.url, { content: "1" });
    const limited = await execute(discord.url, { content: "2" });
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as { retry_after: number; global: boolean };
    expect(body).toEqual({
      message: "You are being rate limited.",
      retry_after: expect.any(Number),
      global: false,
    });
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(1.5);
    expect(limited.headers.get("retry-after")).toMatch(/^[12]$/);
    expect(limited.headers.get("x-ratelimit-scope")).toBe("shared");
    expect(discord.messages).toHaveLength(1);
  });
});
