import { describeHandlerPlugin } from "@amstaff/core/testing";
import { startNtfyEmulator } from "./__tests__/ntfyEmulator.js";
import { ntfyPlugin } from "./plugin.js";

describeHandlerPlugin(ntfyPlugin, {
  validOptions: [
    { topic: "user-service-alerts", token: { $secret: "NTFY_TOKEN" } },
    {
      topic: "payments_prod",
      server: "https://ntfy.example.com/ntfy",
      token: "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
      priority: { critical: "max", warning: "default", unknown: "low", ok: "min", flapping: "low" },
      title: "{{module}} / {{monitor}} is {{TO}}",
      message: "{{message}} ({{value}})",
      tags: ["amstaff"],
      click: "https://grafana.example.com/d/payments",
      markdown: true,
      timeout: "5s",
    },
    { topic: "anonymous" },
  ],
  invalidOptions: [
    { options: {}, path: "topic" },
    { options: { topic: "has space" }, path: "topic" },
    { options: { topic: "t", server: "ftp://ntfy.example.com" }, path: "server" },
    { options: { topic: "t", priority: { critical: "urgent" } }, path: "priority.critical" },
    { options: { topic: "t", title: "{{nope}}" }, path: "title", message: /unknown template variable/ },
    { options: { topic: "t", timeout: "10 seconds" }, path: "timeout" },
    { options: { topic: "t", user: "phil" } },
  ],
  target: async (secret) => {
    // The kit resolves every secret to a value of its own: the emulator takes any bearer token.
    const server = await startNtfyEmulator({ acceptAnyToken: true });
    return {
      options: { topic: "conformance", token: secret, server: server.url },
      received: () => server.messages.length,
      sawSecret: (value) => server.requests.some((r) => r.headers.authorization === `Bearer ${value}`),
      cleanup: () => server.close(),
    };
  },
  failingTarget: async (secret) => {
    const server = await startNtfyEmulator();
    return {
      options: { topic: "conformance", token: secret, server: server.url },
      cleanup: () => server.close(),
    };
  },
  hangingTarget: async (secret) => {
    const server = await startNtfyEmulator();
    server.hang = true;
    return {
      options: { topic: "conformance", token: secret, server: server.url },
      cleanup: () => server.close(),
    };
  },
});
