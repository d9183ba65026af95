import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { telegram } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, telegramPlugin } from "./plugin.js";

describe("telegram builder and plugin", () => {
  it("keeps the bot token as a secret name in the spec a module file produces", () => {
    expect(telegram({ token: { $secret: "TELEGRAM_BOT_TOKEN" }, chatId: -100123 })).toEqual({
      plugin: "@amstaff/handler-telegram",
      options: { token: { $secret: "TELEGRAM_BOT_TOKEN" }, chatId: -100123 },
    });
  });

  it("applies defaults when the server validates the options", () => {
    expect(
      parsePluginOptions(telegramPlugin, telegram({ token: { $secret: "T" }, chatId: 1 }).options),
    ).toEqual({
      token: { $secret: "T" },
      chatId: 1,
      parseMode: "HTML",
      quietRecoveries: true,
      apiUrl: "https://api.telegram.org",
      timeout: "10s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(telegramPlugin);
    expect(api.amstaffPlugin).toBe(telegramPlugin);
  });
});
