import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The Slack Web API emulator of @amstaff/handler-slack's tests: Slack's real request and error shapes.
import { SlackEmulator, startSlackEmulator } from "../../handler-slack/src/__tests__/slackEmulator.js";
import { type AmstaffServer, startServer } from "../src/server.js";
import { startTarget } from "./localServers.js";
import { eventually } from "./serverProcess.js";

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";
let server: AmstaffServer;
let slack: SlackEmulator;
let dataDir: string;
const target = await startTarget();

beforeAll(async () => {
  slack = await startSlackEmulator();
  dataDir = mkdtempSync(join(tmpdir(), "amstaff-slack-"));
  server = await startServer({
    dataDir,
    port: 0,
    logger: "silent",
    slack: { signingSecret, token: SlackEmulator.token, apiUrl: slack.apiUrl },
    secrets: {
      env: { AMSTAFF_SECRET_SLACK_TOKEN: SlackEmulator.token },
      grants: { SLACK_TOKEN: { modules: ["Checkout"] } },
    },
  });
});

afterAll(async () => {
  await server.stop();
  await slack.close();
  await target[Symbol.asyncDispose]();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.token}` },
  });
  return (await response.json()) as any;
};

/** Clicks a button the way Slack does: a signed form POST with the block_actions payload. */
function click(payload: unknown) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return fetch(`${server.url}/integrations/slack/actions`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature,
    },
    body,
  });
}

function findButton(value: unknown): { action_id: string; value: string } | undefined {
  if (Array.isArray(value)) return value.map(findButton).find(Boolean);
  if (value && typeof value === "object") {
    const node = value as Record<string, unknown>;
    if (node.action_id === "amstaff_ack") return node as { action_id: string; value: string };
    return Object.values(node).map(findButton).find(Boolean);
  }
  return undefined;
}

describe("Slack end to end: alert, Acknowledge button, threaded recovery", () => {
  it("posts the alert with a button, records who acknowledged it, and threads the recovery under it", async () => {
    const source = `import { amstaff, every, secret } from "@amstaff/dsl";
import { slack } from "@amstaff/handler-slack";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Checkout", (m) => {
  m.monitor("API", {
    sampler: httpGet({ url: "${target.url}/health" }),
    timing: every("1s"),
    handlers: [slack({ token: secret("SLACK_TOKEN"), channel: "C0ALERTS1", apiUrl: "${slack.apiUrl}" })],
  });
});
`;
    expect(
      (
        await fetch(`${server.url}/monitor`, {
          method: "POST",
          body: source,
          headers: { authorization: `Bearer ${server.token}` },
        })
      ).status,
    ).toBe(201);
    await eventually(
      async () => ((await api("/monitors"))[0]?.status === "ok" ? true : undefined),
      15_000,
      "ok",
    );

    target.status = 500;
    const alert = await eventually(() => slack.topLevel("C0ALERTS1")[0], 15_000, "the Slack alert");
    const button = findButton(alert);
    expect(button).toBeDefined();

    const response = await click({
      type: "block_actions",
      user: { id: "U0ADA", username: "ada", name: "ada", team_id: "T0001" },
      container: { type: "message", message_ts: alert.ts, channel_id: "C0ALERTS1", is_ephemeral: false },
      channel: { id: "C0ALERTS1", name: "alerts" },
      message: alert,
      response_url: slack.responseUrl("R0001"),
      actions: [{ ...button, block_id: "amstaff_actions", type: "button", action_ts: "1795482400.000001" }],
    });
    expect(response.status).toBe(200);
    await eventually(
      async () => ((await api("/monitors"))[0]?.incident?.acknowledged ? true : undefined),
      15_000,
      "the acknowledgement",
    );
    expect((await api("/monitors"))[0].incident.acknowledged).toMatchObject({ by: "<@U0ADA>" });
    await eventually(
      () => (JSON.stringify(slack.topLevel("C0ALERTS1")[0]).includes("Acknowledged") ? true : undefined),
      15_000,
      "the updated message",
    );

    // A forged click is refused and acknowledges nothing.
    const forged = await fetch(`${server.url}/integrations/slack/actions`, {
      method: "POST",
      headers: {
        "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)),
        "x-slack-signature": "v0=00",
      },
      body: "payload=%7B%7D",
    });
    expect(forged.status).toBe(401);

    target.status = 200;
    await eventually(
      () =>
        slack.channels.get("C0ALERTS1")!.messages.some((m) => m.thread_ts === alert.ts) ? true : undefined,
      15_000,
      "the threaded recovery",
    );
    expect(slack.topLevel("C0ALERTS1")).toHaveLength(1);
    const deliveries = await api("/deliveries");
    expect(deliveries.map((d: { status: string }) => d.status)).toEqual(["delivered", "delivered"]);
    expect(deliveries[1].receipt).toMatchObject({ channel: "C0ALERTS1", ts: alert.ts });
  }, 60_000);
});
