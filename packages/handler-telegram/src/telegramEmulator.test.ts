import { closeReceivers } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startTelegramEmulator } from "./__tests__/telegramEmulator.js";

afterEach(closeReceivers);

async function call(url: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// The emulator is only worth its tests if it answers like the Bot API: these pin the documented answers.
describe("the Telegram emulator speaks the Bot API", () => {
  it("answers sendMessage with the ok envelope and the message", async () => {
    const telegram = await startTelegramEmulator();
    const answer = await call(`${telegram.url}/bot${telegram.token}/sendMessage`, {
      chat_id: telegram.chatId,
      text: "<b>hi</b> &amp; bye",
      parse_mode: "HTML",
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { ok: true, result: { message_id: 100, chat: { id: telegram.chatId }, text: "hi & bye" } },
    });
  });

  it("refuses a wrong token, an unknown method, an unknown chat and unparsable entities as Telegram does", async () => {
    const telegram = await startTelegramEmulator();
    const send = `${telegram.url}/bot${telegram.token}/sendMessage`;
    expect(await call(`${telegram.url}/bot1:wrong/sendMessage`, {})).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    expect((await call(`${telegram.url}/bot${telegram.token}/sendNothing`, {})).status).toBe(404);
    expect(await call(send, { chat_id: 1, text: "x" })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: "Bad Request: chat not found" },
    });
    expect(
      await call(send, { chat_id: telegram.chatId, text: "Done.", parse_mode: "MarkdownV2" }),
    ).toMatchObject({
      status: 400,
      body: {
        description:
          "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
      },
    });
    expect(await call(send, { chat_id: telegram.chatId, text: "x".repeat(4097) })).toMatchObject({
      status: 400,
      body: { description: "Bad Request: message is too long" },
    });
  });

  it("answers flood control with 429 and parameters.retry_after", async () => {
    const telegram = await startTelegramEmulator();
    telegram.rateLimit = { limit: 1, windowMs: 10_000 };
    const send = `${telegram.url}/bot${telegram.token}/sendMessage`;
    await call(send, { chat_id: telegram.chatId, text: "one" });
    expect(await call(send, { chat_id: telegram.chatId, text: "two" })).toEqual({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 10",
        parameters: { retry_after: 10 },
      },
    });
  });
});
