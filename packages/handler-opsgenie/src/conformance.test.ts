import { describeHandlerPlugin } from "@amstaff/core/testing";
import { startOpsgenieEmulator } from "./__tests__/opsgenieEmulator.js";
import { opsgeniePlugin } from "./plugin.js";

describeHandlerPlugin(opsgeniePlugin, {
  validOptions: [
    { apiKey: { $secret: "OPSGENIE_API_KEY" } },
    {
      apiKey: "eb243592-faa2-4ba2-a551-1afdf565c889",
      region: "eu",
      priority: { critical: "P2", warning: "P4", unknown: "P5" },
      responders: [
        { type: "team", name: "user-service" },
        { type: "schedule", id: "80564037-1984-4f38-b98e-8a1f662df552" },
        { type: "user", username: "alice@example.com" },
        { type: "escalation", name: "user-service_escalation" },
      ],
      tags: ["amstaff"],
      details: { runbook: "https://wiki.example.com/runbook" },
      message: "{{module}} / {{monitor}} is {{TO}}",
      description: "{{message}}",
      entity: "{{module}}",
      source: "amstaff-prod",
      closeNote: "ok again: {{message}}",
      timeout: "5s",
    },
    { apiKey: "k", baseUrl: "http://127.0.0.1:8080/opsgenie" },
  ],
  invalidOptions: [
    { options: {}, path: "apiKey" },
    { options: { apiKey: "k", region: "asia" }, path: "region" },
    { options: { apiKey: "k", baseUrl: "ftp://example.com" }, path: "baseUrl" },
    { options: { apiKey: "k", priority: { critical: "P0" } }, path: "priority.critical" },
    { options: { apiKey: "k", responders: [{ type: "group", name: "x" }] }, path: "responders.0" },
    { options: { apiKey: "k", responders: [{ type: "user", name: "alice" }] }, path: "responders.0" },
    { options: { apiKey: "k", tags: ["x".repeat(51)] }, path: "tags.0" },
    { options: { apiKey: "k", message: "{{nope}}" }, path: "message", message: /unknown template variable/ },
    { options: { apiKey: "k", timeout: "10 seconds" }, path: "timeout" },
    { options: { apiKey: "k", team: "ops" } },
  ],
  target: async (secret) => {
    // The kit resolves every secret to a value of its own: the emulator takes any key.
    const og = await startOpsgenieEmulator(undefined, { acceptAnyKey: true });
    return {
      options: { apiKey: secret, baseUrl: og.url },
      received: () => og.requests.length,
      sawSecret: (value) => og.requests.some((r) => r.headers.authorization === `GenieKey ${value}`),
      cleanup: () => og.close(),
    };
  },
  failingTarget: async (secret) => {
    const og = await startOpsgenieEmulator();
    return { options: { apiKey: secret, baseUrl: og.url }, cleanup: () => og.close() };
  },
  hangingTarget: async (secret) => {
    const og = await startOpsgenieEmulator();
    og.hang = true;
    return { options: { apiKey: secret, baseUrl: og.url }, cleanup: () => og.close() };
  },
});
