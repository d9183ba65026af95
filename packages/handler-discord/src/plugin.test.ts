import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { discord } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, discordPlugin } from "./plugin.js";

describe("discord builder and plugin", () => {
  it("keeps the webhook URL as a secret name in the spec a module file produces", () => {
    expect(discord({ url: { $secret: "DISCORD_WEBHOOK_URL" } })).toEqual({
      plugin: "@amstaff/handler-discord",
      options: { url: { $secret: "DISCORD_WEBHOOK_URL" } },
    });
  });

  it("applies defaults when the server validates the options", () => {
    expect(parsePluginOptions(discordPlugin, discord({ url: { $secret: "W" } }).options)).toEqual({
      url: { $secret: "W" },
      resolve: "both",
      timeout: "10s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(discordPlugin);
    expect(api.amstaffPlugin).toBe(discordPlugin);
  });
});
