import { createHmac } from "node:crypto";
import type { IncidentAcknowledgement, IntegrationHost } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { slackPlugin } from "./plugin.js";

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";

function fakeHost(refuse?: string) {
  const acks: IncidentAcknowledgement[] = [];
  const lines: [string, Record<string, unknown>, string][] = [];
  const host: IntegrationHost = {
    acknowledgeIncident: async (ack) => {
      if (refuse) throw new Error(refuse);
      acks.push(ack);
    },
    logger: {
      info: (fields, message) => lines.push(["info", fields, message]),
      warn: (fields, message) => lines.push(["warn", fields, message]),
    },
    now: () => Date.now(),
  };
  return { host, acks, lines };
}

function signedClick(value: unknown) {
  const payload = {
    type: "block_actions",
    user: { id: "U0ADA", username: "ada" },
    container: { channel_id: "C0ALERTS1", message_ts: "1795482400.000100" },
    actions: [{ action_id: "amstaff_ack", value: JSON.stringify(value) }],
  };
  const text = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${text}`).digest("hex")}`;
  return {
    method: "POST" as const,
    path: "/integrations/slack/actions",
    query: new URLSearchParams(),
    headers: { "x-slack-signature": signature, "x-slack-request-timestamp": String(timestamp) },
    body: new TextEncoder().encode(text),
  };
}

describe("Slack's integration (the plugin's inbound route)", () => {
  const integration = slackPlugin.integration!;

  it("is served at /integrations/slack/actions with settings read as AMSTAFF_SLACK_*", () => {
    expect(integration.path).toBe("slack");
    expect(Object.keys(integration.settings.shape).sort()).toEqual(["apiUrl", "signingSecret", "token"]);
    expect(integration.settings.safeParse({ token: "xoxb-1" }).success).toBe(false);
    expect(integration.settings.safeParse({ signingSecret: "s", apiUrl: "ftp://x" }).success).toBe(false);
  });

  it("acknowledges a verified click through the host, as the Slack user", async () => {
    const { host, acks, lines } = fakeHost();
    const mounted = integration.routes(integration.settings.parse({ signingSecret }), host);
    const route = mounted.routes[0]!;
    expect([route.method, route.path]).toEqual(["POST", "/actions"]);
    const response = await route.handle(
      signedClick({ incidentKey: "inc-1", module: "User Service", monitor: "Health-Check" }),
    );
    expect(response.status).toBe(200);
    await mounted.idle?.();
    expect(acks).toEqual([
      { module: "User Service", monitor: "Health-Check", incident: "inc-1", by: "<@U0ADA>" },
    ]);
    expect(lines).toContainEqual([
      "info",
      { module: "User Service", monitor: "Health-Check", incident: "inc-1", by: "ada" },
      "incident acknowledged in Slack",
    ]);
  });

  it("refuses a forged click and acknowledges nothing", async () => {
    const { host, acks } = fakeHost();
    const mounted = integration.routes(integration.settings.parse({ signingSecret }), host);
    const forged = signedClick({ incidentKey: "inc-1", module: "m", monitor: "n" });
    const response = await mounted.routes[0]!.handle({
      ...forged,
      headers: { ...forged.headers, "x-slack-signature": "v0=00" },
    });
    expect(response.status).toBe(401);
    await mounted.idle?.();
    expect(acks).toEqual([]);
  });

  it("logs a refused acknowledgement as a warning, without the signing secret", async () => {
    const { host, lines } = fakeHost("no open incident inc-9");
    const mounted = integration.routes(integration.settings.parse({ signingSecret }), host);
    expect(
      (await mounted.routes[0]!.handle(signedClick({ incidentKey: "inc-9", module: "m", monitor: "n" })))
        .status,
    ).toBe(200);
    await mounted.idle?.();
    expect(lines.map(([level]) => level)).toEqual(["warn"]);
    expect(JSON.stringify(lines)).not.toContain(signingSecret);
  });
});
