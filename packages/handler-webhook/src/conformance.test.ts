import { closeReceivers, describeHandlerPlugin, startReceiver } from "@amstaff/core/testing";
import { afterEach, expect, it } from "vitest";
import { webhookPlugin } from "./plugin.js";

afterEach(closeReceivers);

describeHandlerPlugin(webhookPlugin, {
  validOptions: [
    { url: "https://hooks.example.com/amstaff" },
    {
      url: "http://127.0.0.1:9090/amstaff",
      method: "PUT",
      headers: { authorization: { $secret: "HOOKS_TOKEN" }, "x-team": "team8" },
      signingSecret: { $secret: "HOOKS_SIGNING_SECRET" },
      timeout: "5s",
    },
  ],
  invalidOptions: [
    { options: {}, path: "url" },
    { options: { url: "ftp://hooks.example.com/" }, path: "url" },
    { options: { url: "https://hooks.example.com/", method: "GET" }, path: "method" },
    { options: { url: "https://hooks.example.com/", timeout: "soon" }, path: "timeout" },
    {
      options: { url: "https://hooks.example.com/", headers: { "content-type": "text/plain" } },
      path: "headers.content-type",
    },
    {
      options: { url: "https://hooks.example.com/", signingSecret: { $secret: "bad name" } },
      path: "signingSecret",
    },
  ],
  target: async (secret) => {
    const receiver = await startReceiver();
    return {
      options: { url: receiver.url, headers: { authorization: secret }, signingSecret: secret },
      received: () => receiver.requests.length,
      sawSecret: (value) => receiver.requests.some((request) => request.headers.authorization === value),
      cleanup: receiver.close,
    };
  },
  failingTarget: async (secret) => {
    const receiver = await startReceiver((_request, response) => response.writeHead(500).end("broken"));
    return { options: { url: receiver.url, headers: { authorization: secret } }, cleanup: receiver.close };
  },
  hangingTarget: async (secret) => {
    const receiver = await startReceiver(() => {});
    return { options: { url: receiver.url, headers: { authorization: secret } }, cleanup: receiver.close };
  },
});

it("exports its descriptor from the main entry under the conventional name amstaffPlugin", async () => {
  const entry = await import("./index.js");
  expect(entry.amstaffPlugin).toBe(webhookPlugin);
});
