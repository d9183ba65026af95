import { describeHandlerPlugin } from "@amstaff/core/testing";
import { startPagerdutyEmulator } from "./__tests__/pagerdutyEmulator.js";
import { pagerdutyPlugin } from "./plugin.js";

describeHandlerPlugin(pagerdutyPlugin, {
  validOptions: [
    { routingKey: { $secret: "PAGERDUTY_ROUTING_KEY" } },
    {
      routingKey: "R0123456789ABCDEF0123456789ABCDE",
      baseUrl: "https://events.eu.pagerduty.com",
      severity: { critical: "critical", warning: "info", unknown: "warning", flapping: "info" },
      summary: "{{module}} / {{monitor}} is {{TO}}",
      source: "{{module}}.prod",
      component: "{{monitor}}",
      group: "user-service",
      class: "health-check",
      details: { runbook: "https://wiki.example.com/runbook" },
      links: [{ href: "https://grafana.example.com/d/users", text: "Dashboard" }],
      client: "Amstaff prod",
      timeout: "5s",
    },
  ],
  invalidOptions: [
    { options: {}, path: "routingKey" },
    { options: { routingKey: "k", baseUrl: "ftp://example.com" }, path: "baseUrl" },
    { options: { routingKey: "k", severity: { critical: "fatal" } }, path: "severity.critical" },
    { options: { routingKey: "k", links: [{ href: "nope" }] }, path: "links.0.href" },
    {
      options: { routingKey: "k", summary: "{{nope}}" },
      path: "summary",
      message: /unknown template variable/,
    },
    { options: { routingKey: "k", timeout: "10 seconds" }, path: "timeout" },
    { options: { routingKey: "k", serviceKey: "old" } },
  ],
  target: async (secret) => {
    // The kit resolves every secret to a value of its own, not 32 characters long: the emulator takes any key.
    const pd = await startPagerdutyEmulator(undefined, { acceptAnyKey: true });
    return {
      options: { routingKey: secret, baseUrl: pd.url },
      received: () => pd.requests.length,
      sawSecret: (value) =>
        pd.requests.some((r) => (r.body as { routing_key?: unknown }).routing_key === value),
      cleanup: () => pd.close(),
    };
  },
  failingTarget: async (secret) => {
    const pd = await startPagerdutyEmulator();
    return { options: { routingKey: secret, baseUrl: pd.url }, cleanup: () => pd.close() };
  },
  hangingTarget: async (secret) => {
    const pd = await startPagerdutyEmulator();
    pd.hang = true;
    return { options: { routingKey: secret, baseUrl: pd.url }, cleanup: () => pd.close() };
  },
});
