import { closeReceivers, notifyContext, sampleTransition, startReceiver } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { webhookHandler } from "./webhookHandler.js";

afterEach(closeReceivers);

describe("webhookHandler groups", () => {
  it("POSTs one request listing every notification of a group", async () => {
    const receiver = await startReceiver();
    const handler = webhookHandler({ url: receiver.url });
    const notifications = ["API", "Cart"].map((monitor, i) => ({
      transition: sampleTransition({ monitor, id: `t-${i}` }),
      idempotencyKey: `d-${i}`,
    }));

    await handler.notifyGroup?.(
      { key: "k", labels: { module: "User Service" }, notifications },
      notifyContext("webhook", { idempotencyKey: "g-1" }),
    );

    expect(receiver.requests).toHaveLength(1);
    const body = JSON.parse(receiver.requests[0]?.body ?? "");
    expect(receiver.requests[0]?.headers["idempotency-key"]).toBe("g-1");
    expect(body).toMatchObject({
      version: 1,
      type: "group",
      idempotencyKey: "g-1",
      group: { labels: { module: "User Service" } },
      notifications: [
        { type: "transition", idempotencyKey: "d-0", transition: { monitor: "API" } },
        { type: "transition", idempotencyKey: "d-1", transition: { monitor: "Cart" } },
      ],
    });
    expect(body.text.split("\n")).toHaveLength(2);
  });

  it("leaves a custom body template's groups to one request per notification", () => {
    const handler = webhookHandler({ url: "http://127.0.0.1:9/hook", body: { text: "{{monitor}}" } });
    expect(handler.notifyGroup).toBeUndefined();
  });
});
