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
import { startTelegramEmulator, type TelegramEmulator } from "./__tests__/telegramEmulator.js";
import type { TelegramOptions } from "./options.js";
import { telegramHandler } from "./telegramHandler.js";

afterEach(closeReceivers);

// The bot token comes from a secret, as in a module file.
function handlerFor(telegram: TelegramEmulator, options: Partial<TelegramOptions> = {}) {
  return telegramHandler(
    { token: { $secret: "TELEGRAM_BOT_TOKEN" }, chatId: telegram.chatId, apiUrl: telegram.url, ...options },
    { secrets: () => telegram.token },
  );
}

const hostileName = "<Checkout> & _Pay*ments_ [v2](x) ~ `#1` > +-=|{}.!";
const hostileMessage = '</b><script>alert("x")</script> \\*not bold\\* 5 > 3 & 2 < 4. Done!';

describe("telegramHandler sends alerts", () => {
  it("posts sendMessage as JSON to /bot<token>/sendMessage: bold title, message, facts, the monitor's link", async () => {
    const telegram = await startTelegramEmulator();
    const receipt = await handlerFor(telegram).notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("telegram"),
    );

    const [request] = telegram.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(`/bot${telegram.token}/sendMessage`);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["user-agent"]).toBe(`amstaff-handler-telegram/${packageJson.version}`);
    expect(request?.body).toMatchObject({
      chat_id: telegram.chatId,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    });
    expect(request?.body).not.toHaveProperty("disable_notification");
    expect(request?.body).not.toHaveProperty("reply_parameters");
    const [message] = telegram.messages;
    expect(message?.text).toBe(
      [
        "CRITICAL: User Service / Health-Check",
        "HTTP 500 from GET http://user-service/health",
        "",
        "Status: critical (was ok for 5m)",
        "Value: 12.5",
        "Incident: inc-42",
        "Tags: production, team8",
        "Open in Amstaff",
      ].join("\n"),
    );
    expect(message?.bold).toEqual(["CRITICAL: User Service / Health-Check"]);
    expect(message?.links).toEqual([{ label: "Open in Amstaff", url: "https://amstaff.example.com/m/1" }]);
    expect(receipt).toEqual({ messageId: message?.message_id, chatId: telegram.chatId });
  });

  for (const parseMode of ["HTML", "MarkdownV2"] as const) {
    it(`escapes hostile monitor names, messages and tags in ${parseMode}: Telegram shows them verbatim`, async () => {
      const telegram = await startTelegramEmulator();
      const alert = sampleTransition({
        module: hostileName,
        monitor: hostileName,
        tags: ["a_b", "<c>"],
        link: "https://amstaff.example.com/m/(1)?a=1&b=2",
        result: { status: "critical", message: hostileMessage, value: 1.5, durationMs: 1, timestamp: 0 },
      });
      await handlerFor(telegram, { parseMode }).notify(alert, notifyContext("telegram"));
      const [message] = telegram.messages;
      expect(message?.parse_mode).toBe(parseMode);
      expect(message?.bold).toEqual([`CRITICAL: ${hostileName} / ${hostileName}`]);
      expect(message?.text.split("\n")[1]).toBe(hostileMessage);
      expect(message?.text).toContain("Value: 1.5");
      expect(message?.text).toContain("Tags: a_b, <c>");
      expect(message?.links).toEqual([
        { label: "Open in Amstaff", url: "https://amstaff.example.com/m/(1)?a=1&b=2" },
      ]);
    });
  }

  it("posts into the forum topic, and cuts a long message to Telegram's 4,096 characters", async () => {
    const telegram = await startTelegramEmulator();
    await handlerFor(telegram, { messageThreadId: telegram.threadId, parseMode: "MarkdownV2" }).notify(
      sampleTransition({
        result: { status: "critical", message: ".".repeat(5000), durationMs: 1, timestamp: 0 },
      }),
      notifyContext("telegram"),
    );
    const [message] = telegram.messages;
    expect(message?.message_thread_id).toBe(telegram.threadId);
    expect(message?.text.length).toBeLessThanOrEqual(4096);
    expect(message?.text).toContain(".…\n");
  });

  it("renders templates, and falls back on a blank title", async () => {
    const telegram = await startTelegramEmulator();
    await handlerFor(telegram, {
      title: "  ",
      message: "{{TO}} since {{since}}",
    }).notify(sampleTransition(), notifyContext("telegram"));
    const [message] = telegram.messages;
    expect(message?.bold).toEqual(["CRITICAL: User Service / Health-Check"]);
    expect(message?.text.split("\n")[1]).toMatch(/^CRITICAL since \S+/);
  });
});

describe("telegramHandler resolves", () => {
  it("replies to the alert's message, silently, with the alert's receipt", async () => {
    const telegram = await startTelegramEmulator();
    const handler = handlerFor(telegram);
    const alert = sampleTransition();
    const receipt = (await handler.notify(alert, notifyContext("telegram"))) ?? undefined;
    const resolved = await handler.notify(recoveryOf(alert), notifyContext("telegram", { receipt }));

    const [first, second] = telegram.messages;
    expect(telegram.requests[1]?.body).toMatchObject({
      disable_notification: true,
      reply_parameters: { message_id: first?.message_id, allow_sending_without_reply: true },
    });
    expect(second?.reply_to_message_id).toBe(first?.message_id);
    expect(second?.disable_notification).toBe(true);
    expect(second?.bold).toEqual(["RESOLVED: User Service / Health-Check"]);
    expect(second?.text).toContain("Recovered from CRITICAL after 1h 5m");
    expect(resolved).toEqual({ messageId: second?.message_id, chatId: telegram.chatId });
  });

  it("rings for recoveries when quietRecoveries is off; reminders reply to the alert too", async () => {
    const telegram = await startTelegramEmulator();
    const handler = handlerFor(telegram, { quietRecoveries: false });
    const receipt = (await handler.notify(sampleTransition(), notifyContext("telegram"))) ?? undefined;
    await handler.notify(
      sampleTransition({ kind: "reminder", from: "critical" }),
      notifyContext("telegram", { receipt }),
    );
    await handler.notify(recoveryOf(sampleTransition()), notifyContext("telegram", { receipt }));
    expect(telegram.messages.map((m) => [m.reply_to_message_id, m.disable_notification])).toEqual([
      [undefined, false],
      [telegram.messages[0]?.message_id, false],
      [telegram.messages[0]?.message_id, false],
    ]);
  });

  it("sends nothing for a first status of ok", async () => {
    const telegram = await startTelegramEmulator();
    const receipt = await handlerFor(telegram).notify(
      sampleTransition({ from: "pending", to: "ok", incident: undefined }),
      notifyContext("telegram"),
    );
    expect(receipt).toBeUndefined();
    expect(telegram.requests).toHaveLength(0);
  });
});

describe("telegramHandler fails", () => {
  it("honours flood control: a 429 is retryable after parameters.retry_after", async () => {
    const telegram = await startTelegramEmulator();
    telegram.rateLimit = { limit: 1, windowMs: 30_000 };
    const handler = handlerFor(telegram);
    await handler.notify(sampleTransition(), notifyContext("telegram"));
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("telegram")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(29_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(error.message).toMatch(
      /^telegram http:\/\/127\.0\.0\.1:\d+ chat -1001234567890: sending a message: Telegram is rate-limiting this bot \(HTTP 429: Too Many Requests: retry after (29|30)\); will retry$/,
    );
  });

  it("a refused token is permanent, and the token never shows, not even in an echoing proxy's page", async () => {
    const telegram = await startTelegramEmulator();
    const handler = telegramHandler(
      { token: { $secret: "T" }, chatId: telegram.chatId, apiUrl: telegram.url },
      { secrets: () => "123456789:AAHwrongwrongwrongwrongwrong" },
    );
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("telegram")));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      "the bot token was refused: check token (from @BotFather) (HTTP 401: Unauthorized) (permanent, not retried)",
    );

    telegram.inject({ status: 502, body: `proxy: upstream /bot${telegram.token}/sendMessage failed` });
    const echoed = await deliveryFailure(
      handlerFor(telegram).notify(sampleTransition(), notifyContext("telegram")),
    );
    expect(echoed.retryable).toBe(true);
    expect(echoed.message).not.toContain(telegram.token);
    expect(echoed.message).toContain("[redacted]");
    expect(JSON.stringify(echoed.details)).not.toContain(telegram.token);
  });

  it("an unknown chat is permanent, with Telegram's description and advice", async () => {
    const telegram = await startTelegramEmulator();
    const error = await deliveryFailure(
      handlerFor(telegram, { chatId: 42 }).notify(sampleTransition(), notifyContext("telegram")),
    );
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ status: 400, chatId: "42" });
    expect(error.message).toContain(
      "Telegram refused the message: check chatId and messageThreadId (HTTP 400: Bad Request: chat not found)",
    );
  });

  it("a group that became a supergroup says which chatId to use", async () => {
    const telegram = await startTelegramEmulator();
    telegram.inject({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description: "Bad Request: group chat was upgraded to a supergroup chat",
        parameters: { migrate_to_chat_id: -1009876543210 },
      },
    });
    const error = await deliveryFailure(
      handlerFor(telegram).notify(sampleTransition(), notifyContext("telegram")),
    );
    expect(error.message).toContain("the group became a supergroup: set chatId to -1009876543210");
  });

  it("a server error, a timeout and a refused connection are retryable", async () => {
    const telegram = await startTelegramEmulator();
    telegram.inject({
      status: 500,
      body: { ok: false, error_code: 500, description: "Internal Server Error" },
      headers: { "retry-after": "3" },
    });
    const failed = await deliveryFailure(
      handlerFor(telegram).notify(sampleTransition(), notifyContext("telegram")),
    );
    expect(failed).toMatchObject({ retryable: true, retryAfterMs: 3000 });
    expect(failed.message).toContain("Telegram answered HTTP 500: Internal Server Error; will retry");

    telegram.hang = true;
    const slow = await deliveryFailure(
      handlerFor(telegram, { timeout: "200ms" }).notify(sampleTransition(), notifyContext("telegram")),
    );
    expect(slow.retryable).toBe(true);
    expect(slow.message).toContain("sending a message: no answer within 200ms (timeout)");

    const port = await closedPort();
    const refused = await deliveryFailure(
      telegramHandler({ token: telegram.token, chatId: 1, apiUrl: `http://127.0.0.1:${port}` }).notify(
        sampleTransition(),
        notifyContext("telegram"),
      ),
    );
    expect(refused.retryable).toBe(true);
    expect(refused.message).toContain(`connection refused to 127.0.0.1:${port}; will retry`);
    expect(refused.message).not.toContain(telegram.token);
  });

  it("refuses a secret that is no bot token, without showing it", () => {
    expect(() =>
      telegramHandler(
        { token: { $secret: "T" }, chatId: 1 },
        { secrets: () => "https://hooks.example.com/s3cr3t" },
      ),
    ).toThrow(
      /^Invalid options for @amstaff\/handler-telegram: token: not a bot token like 123456789:AAHn… \(from @BotFather\)$/,
    );
  });
});
