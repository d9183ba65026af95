import { describeHandlerPlugin, startSilentServer } from "@amstaff/core/testing";
import { startSlackEmulator } from "./__tests__/slackEmulator.js";
import { slackPlugin } from "./plugin.js";

describeHandlerPlugin(slackPlugin, {
  validOptions: [
    { token: { $secret: "SLACK_TOKEN" }, channel: "C0123ABCD" },
    {
      token: { $secret: "SLACK_TOKEN" },
      channel: "#user-service-prod",
      message: "User service is down!!! {{message}}",
      mention: "<!here>",
      timeout: "5s",
      apiUrl: "https://slack-proxy.internal/api/",
    },
    { webhookUrl: { $secret: "SLACK_WEBHOOK" }, username: "Amstaff", iconEmoji: ":rotating_light:" },
  ],
  invalidOptions: [
    { options: {}, path: "token" },
    { options: { token: { $secret: "SLACK_TOKEN" } }, path: "channel" },
    {
      options: { token: { $secret: "SLACK_TOKEN" }, channel: "C1", webhookUrl: { $secret: "W" } },
      path: "token",
    },
    { options: { webhookUrl: { $secret: "W" }, channel: "C1" }, path: "channel" },
    { options: { token: { $secret: "SLACK_TOKEN" }, channel: "C1", username: "x" }, path: "username" },
    { options: { token: { $secret: "SLACK_TOKEN" }, channel: "C1", mention: "@here" }, path: "mention" },
    { options: { token: { $secret: "SLACK_TOKEN" }, channel: "C1", message: "{{nope}}" }, path: "message" },
    { options: { token: { $secret: "not a name" }, channel: "C1" }, path: "token" },
    { options: { webhookUrl: "ftp://example.com/x" }, path: "webhookUrl" },
    { options: { token: { $secret: "SLACK_TOKEN" }, channel: "C1", timeout: "5 seconds" }, path: "timeout" },
    { options: { token: { $secret: "SLACK_TOKEN" }, channel: "C1", colour: "red" }, message: /colour/ },
  ],
  target: async (secret) => {
    const slackApi = await startSlackEmulator();
    slackApi.acceptAnyToken = true;
    return {
      options: { token: secret, channel: "C0ALERTS1", apiUrl: slackApi.apiUrl },
      received: () => slackApi.topLevel("C0ALERTS1").length,
      sawSecret: (value) => slackApi.requests.some((r) => r.headers.authorization === `Bearer ${value}`),
      cleanup: () => slackApi.close(),
    };
  },
  failingTarget: async (secret) => {
    const slackApi = await startSlackEmulator();
    return {
      options: { token: secret, channel: "C0ALERTS1", apiUrl: slackApi.apiUrl },
      cleanup: () => slackApi.close(),
    };
  },
  hangingTarget: async (secret) => {
    const silent = await startSilentServer();
    return {
      options: { token: secret, channel: "C0ALERTS1", apiUrl: `http://127.0.0.1:${silent.port}/api/` },
      cleanup: silent.close,
    };
  },
});
