import { describeHandlerPlugin } from "@amstaff/core/testing";
import { startTelegramEmulator } from "./__tests__/telegramEmulator.js";
import { telegramPlugin } from "./plugin.js";

const token = "123456789:AAHnQ0w3_5sT8tFf1cE-9xYzAbCdEfGhIjK";

// The bot token is the plugin's one secret, and it must look like a bot token: the kit's secret value (a
// random string) cannot stand in for it, so the live targets take the emulator's token as a literal.
// telegramHandler.test.ts resolves it from a secret reference and checks it never reaches a message.
describeHandlerPlugin(telegramPlugin, {
  validOptions: [
    { token, chatId: "@amstaff_alerts" },
    { token: { $secret: "TELEGRAM_BOT_TOKEN" }, chatId: -1001234567890 },
    {
      token: { $secret: "TELEGRAM_BOT_TOKEN" },
      chatId: "-1001234567890",
      messageThreadId: 42,
      parseMode: "MarkdownV2",
      quietRecoveries: false,
      title: "{{module}} / {{monitor}} is {{TO}}",
      message: "{{message}} ({{value}})",
      apiUrl: "https://telegram-bot-api.example.com/base",
      timeout: "5s",
    },
  ],
  invalidOptions: [
    { options: { chatId: 1 }, path: "token" },
    { options: { token: "not-a-token", chatId: 1 }, path: "token" },
    { options: { token }, path: "chatId" },
    { options: { token, chatId: "general" }, path: "chatId" },
    { options: { token, chatId: 1, messageThreadId: 0 }, path: "messageThreadId" },
    { options: { token, chatId: 1, parseMode: "Markdown" }, path: "parseMode" },
    { options: { token, chatId: 1, title: "{{nope}}" }, path: "title", message: /unknown template variable/ },
    { options: { token, chatId: 1, apiUrl: "ftp://api.telegram.org" }, path: "apiUrl" },
    { options: { token, chatId: 1, timeout: "10 seconds" }, path: "timeout" },
    { options: { token, chatId: 1, silent: true } },
  ],
  target: async () => {
    const telegram = await startTelegramEmulator();
    return {
      options: { token: telegram.token, chatId: telegram.chatId, apiUrl: telegram.url },
      received: () => telegram.messages.length,
      cleanup: () => telegram.close(),
    };
  },
  failingTarget: async () => {
    const telegram = await startTelegramEmulator();
    return {
      options: { token, chatId: telegram.chatId, apiUrl: telegram.url },
      cleanup: () => telegram.close(),
    };
  },
  hangingTarget: async () => {
    const telegram = await startTelegramEmulator();
    telegram.hang = true;
    return {
      options: { token: telegram.token, chatId: telegram.chatId, apiUrl: telegram.url },
      cleanup: () => telegram.close(),
    };
  },
});
