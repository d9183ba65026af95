import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { notifyContext } from "@amstaff/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleTransition } from "./__tests__/fixtures.js";
import { SlackEmulator, startSlackEmulator } from "./__tests__/slackEmulator.js";
import { slackHandler } from "./slackHandler.js";
import {
  createSlackInteractions,
  type SlackAcknowledgement,
  type SlackInteractionsHandler,
  type SlackInteractionsOptions,
} from "./slackInteractions.js";

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";

let slackApi: SlackEmulator;
let server: Server | undefined;
beforeEach(async () => {
  slackApi = await startSlackEmulator();
});
afterEach(async () => {
  await slackApi.close();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
  }
});

/** Mounts the interactions handler like the Amstaff server does, on a real loopback server. */
async function mount(options: Partial<SlackInteractionsOptions> = {}) {
  const acks: SlackAcknowledgement[] = [];
  const errors: unknown[] = [];
  const handler: SlackInteractionsHandler = createSlackInteractions({
    signingSecret,
    token: SlackEmulator.token,
    apiUrl: slackApi.apiUrl,
    onAcknowledge: async (ack) => {
      acks.push(ack);
    },
    onError: (error) => errors.push(error),
    ...options,
  });
  server = createServer((req, res) => {
    if (req.url === "/integrations/slack/actions") handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/integrations/slack/actions`;
  return { url, acks, errors, handler };
}

function sign(body: string, timestamp: number, secret = signingSecret): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** POSTs like Slack: a form with a `payload` field, signed. */
async function click(
  url: string,
  payload: unknown,
  options: { timestamp?: number; secret?: string; signature?: string } = {},
): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? sign(body, timestamp, options.secret),
    },
    body,
  });
}

/** Posts a real alert through the handler and builds the block_actions payload of a click on its button. */
async function alertAndClickPayload(actionId = "amstaff_ack") {
  const handler = slackHandler({ token: SlackEmulator.token, channel: "C0ALERTS1", apiUrl: slackApi.apiUrl });
  const receipt = (await handler.notify(
    sampleTransition({ link: "https://amstaff.example.com/m" }),
    notifyContext("slack"),
  )) as { channel: string; ts: string };
  const message = slackApi.message("C0ALERTS1", receipt.ts);
  const button = JSON.stringify(message).includes(actionId)
    ? [...(message?.attachments ?? [])]
        .flatMap(
          (a) =>
            (a as { blocks: { type: string; elements?: { action_id: string; value?: string }[] }[] }).blocks,
        )
        .flatMap((b) => b.elements ?? [])
        .find((e) => e.action_id === actionId)
    : undefined;
  const payload = {
    type: "block_actions",
    user: { id: "U0ADA", username: "ada", name: "ada", team_id: "T0001" },
    api_app_id: "A0001",
    token: "verification-token-deprecated",
    container: { type: "message", message_ts: receipt.ts, channel_id: receipt.channel, is_ephemeral: false },
    trigger_id: "1.2.3",
    team: { id: "T0001", domain: "example" },
    channel: { id: receipt.channel, name: "alerts" },
    // Slack sends the message back as it shows it: colours without "#".
    message: {
      ...message,
      attachments: message?.attachments?.map((a) => ({ ...(a as object), id: 1, color: "E01E5A" })),
    },
    response_url: slackApi.responseUrl("R0001"),
    actions: [{ ...button, block_id: "amstaff_actions", type: "button", action_ts: "1795482400.000001" }],
  };
  return { receipt, payload };
}

describe("createSlackInteractions", () => {
  it("verifies the click, records the acknowledgement, answers 200 and marks the alert acknowledged", async () => {
    const { url, acks, errors, handler } = await mount();
    const { receipt, payload } = await alertAndClickPayload();

    const response = await click(url, payload);
    expect(response.status).toBe(200);
    await handler.idle();

    expect(acks).toEqual([
      {
        incidentKey: "inc-1",
        module: "User Service",
        monitor: "Health-Check",
        user: { id: "U0ADA", name: "ada" },
        channel: "C0ALERTS1",
        ts: receipt.ts,
      },
    ]);
    expect(errors).toEqual([]);
    const [update] = slackApi.calls("chat.update");
    expect(update?.headers.authorization).toBe(`Bearer ${SlackEmulator.token}`);
    const updated = slackApi.message("C0ALERTS1", receipt.ts);
    const shown = JSON.stringify(updated);
    expect(shown).toContain(":raised_hand: Acknowledged by <@U0ADA>");
    expect(shown).not.toContain(`"action_id":"amstaff_ack"`);
    expect(shown).toContain("amstaff_view");
    expect(updated?.text).toMatch(/\(acknowledged by @ada\)$/);
    expect((updated?.attachments?.[0] as { color?: string } | undefined)?.color).toBe("#E01E5A");
  });

  it("updates through response_url when it has no token", async () => {
    const { url, handler } = await mount({ token: undefined });
    const { payload } = await alertAndClickPayload();
    expect((await click(url, payload)).status).toBe(200);
    await handler.idle();
    expect(slackApi.calls("chat.update")).toHaveLength(0);
    const [response] = slackApi.responseUrlPosts;
    expect(response?.body.replace_original).toBe(true);
    expect(JSON.stringify(response?.body)).toContain("Acknowledged by <@U0ADA>");
  });

  it("refuses a wrong signature with 401, and records nothing", async () => {
    const { url, acks, handler } = await mount();
    const { payload } = await alertAndClickPayload();
    expect((await click(url, payload, { secret: "another-apps-secret" })).status).toBe(401);
    expect((await click(url, payload, { signature: "v0=deadbeef" })).status).toBe(401);
    const unsigned = await fetch(url, { method: "POST", body: "payload=%7B%7D" });
    expect(unsigned.status).toBe(401);
    await handler.idle();
    expect(acks).toEqual([]);
    expect(slackApi.calls("chat.update")).toHaveLength(0);
  });

  it("refuses a replayed request, correctly signed but older than 5 minutes, with 401", async () => {
    const { url, acks } = await mount();
    const { payload } = await alertAndClickPayload();
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await click(url, payload, { timestamp: stale })).status).toBe(401);
    const future = Math.floor(Date.now() / 1000) + 6 * 60;
    expect((await click(url, payload, { timestamp: future })).status).toBe(401);
    expect(acks).toEqual([]);
  });

  it("uses the injected clock for the replay window", async () => {
    const { url, acks, handler } = await mount({ now: () => Date.parse("2026-11-24T03:00:00Z") });
    const { payload } = await alertAndClickPayload();
    const then = Date.parse("2026-11-24T02:57:00Z") / 1000;
    expect((await click(url, payload, { timestamp: then })).status).toBe(200);
    await handler.idle();
    expect(acks).toHaveLength(1);
    expect((await click(url, payload)).status).toBe(401);
  });

  it("answers 200 to other interactions (the View link button) and does nothing", async () => {
    const { url, acks, handler } = await mount();
    const { payload } = await alertAndClickPayload("amstaff_view");
    expect((await click(url, payload)).status).toBe(200);
    await handler.idle();
    expect(acks).toEqual([]);
    expect(slackApi.calls("chat.update")).toHaveLength(0);
  });

  it("tells the user, and leaves the button, when the acknowledgement cannot be recorded", async () => {
    const { url, errors, handler } = await mount({
      onAcknowledge: async () => {
        throw new Error("log unavailable");
      },
    });
    const { receipt, payload } = await alertAndClickPayload();
    expect((await click(url, payload)).status).toBe(200);
    await handler.idle();
    expect(errors).toEqual([expect.objectContaining({ message: "log unavailable" })]);
    expect(slackApi.responseUrlPosts[0]?.body).toMatchObject({
      response_type: "ephemeral",
      replace_original: false,
    });
    expect(JSON.stringify(slackApi.message("C0ALERTS1", receipt.ts))).toContain(`"action_id":"amstaff_ack"`);
  });

  it("answers 400 to a signed request without a valid payload, and 405 to other methods", async () => {
    const { url } = await mount();
    const body = "payload=not-json";
    const timestamp = Math.floor(Date.now() / 1000);
    const malformed = await fetch(url, {
      method: "POST",
      headers: { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": sign(body, timestamp) },
      body,
    });
    expect(malformed.status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
    const huge = await fetch(url, { method: "POST", body: "x".repeat(2 * 1024 * 1024) }).catch(
      () => undefined,
    );
    expect(huge?.status).toBe(413);
  });

  it("never shows the signing secret or the token in what it answers", async () => {
    const { url } = await mount();
    const { payload } = await alertAndClickPayload();
    const refused = await click(url, payload, { secret: "wrong" });
    const text = await refused.text();
    expect(text).not.toContain(signingSecret);
    expect(text).not.toContain(SlackEmulator.token);
  });
});
