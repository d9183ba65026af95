import { describeHandlerPlugin } from "@amstaff/core/testing";
import { startDiscordEmulator } from "./__tests__/discordEmulator.js";
import { discordPlugin } from "./plugin.js";

// The webhook URL is the plugin's one secret, and it must be a webhook URL: the kit's secret value (a
// random string) cannot stand in for it, so the handler the kit creates and the live targets take a URL as
// a literal. discordHandler.test.ts resolves it from a secret reference.
describeHandlerPlugin(discordPlugin, {
  validOptions: [
    { url: "https://discord.com/api/webhooks/123456789012345678/abcDEF_ghi-JKL" },
    { url: { $secret: "DISCORD_WEBHOOK_URL" } },
    {
      url: "https://discord.com/api/webhooks/123456789012345678/abcDEF_ghi-JKL",
      threadId: "223456789012345678",
      username: "Amstaff",
      avatarUrl: "https://amstaff.example.com/logo.png",
      mentions: { users: ["323456789012345678"], roles: ["423456789012345678"] },
      title: "{{module}} / {{monitor}} is {{TO}}",
      description: "{{message}} ({{value}})",
      resolve: "edit",
      timeout: "5s",
    },
    { url: "https://discord.com/api/v10/webhooks/123456789012345678/abc", resolve: "post" },
  ],
  invalidOptions: [
    { options: {}, path: "url" },
    { options: { url: "https://discord.com/channels/1/2" }, path: "url" },
    { options: { url: { $secret: "W" }, threadId: "general" }, path: "threadId" },
    { options: { url: { $secret: "W" }, mentions: { everyone: true } }, path: "mentions" },
    { options: { url: { $secret: "W" }, mentions: { roles: ["@admins"] } }, path: "mentions.roles.0" },
    { options: { url: { $secret: "W" }, resolve: "reply" }, path: "resolve" },
    {
      options: { url: { $secret: "W" }, title: "{{nope}}" },
      path: "title",
      message: /unknown template variable/,
    },
    { options: { url: { $secret: "W" }, timeout: "10 seconds" }, path: "timeout" },
    { options: { url: { $secret: "W" }, color: "red" } },
  ],
  target: async () => {
    const discord = await startDiscordEmulator();
    return {
      options: { url: discord.url },
      received: () => discord.messages.length,
      cleanup: () => discord.close(),
    };
  },
  failingTarget: async () => {
    const discord = await startDiscordEmulator();
    return {
      options: { url: discord.url.replace(/\/[^/]+$/, "/wrong-token") },
      cleanup: () => discord.close(),
    };
  },
  hangingTarget: async () => {
    const discord = await startDiscordEmulator();
    discord.hang = true;
    return { options: { url: discord.url }, cleanup: () => discord.close() };
  },
});
