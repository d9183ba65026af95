import { parsePluginOptions, resolveSecrets } from "@amstaff/core";
import { closeReceivers, notifyContext, sampleTransition, startReceiver } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { webhook } from "./builders.js";
import { webhookPlugin } from "./plugin.js";

afterEach(closeReceivers);

describe("webhook builder", () => {
  it("returns plain, JSON-cloneable data that keeps secret references as names", () => {
    const spec = webhook({
      url: "https://hooks.example.com/amstaff",
      headers: { authorization: { $secret: "HOOKS_TOKEN" } },
      signingSecret: { $secret: "HOOKS_SIGNING_SECRET" },
      timeout: "5s",
    });
    expect(spec).toEqual({
      plugin: "@amstaff/handler-webhook",
      options: {
        url: "https://hooks.example.com/amstaff",
        headers: { authorization: { $secret: "HOOKS_TOKEN" } },
        signingSecret: { $secret: "HOOKS_SIGNING_SECRET" },
        timeout: "5s",
      },
    });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    expect(structuredClone(spec)).toEqual(spec);
  });
});

describe("webhookPlugin", () => {
  it("is a handler plugin offering the webhook builder", () => {
    expect(webhookPlugin).toMatchObject({
      kind: "handler",
      id: "@amstaff/handler-webhook",
      builders: { webhook },
    });
  });

  it("applies defaults when the server validates a builder's options", () => {
    const options = parsePluginOptions(webhookPlugin, webhook({ url: "https://hooks.example.com/" }).options);
    expect(options).toEqual({ url: "https://hooks.example.com/", method: "POST", timeout: "10s" });
    expect(parsePluginOptions(webhookPlugin, options)).toEqual(options);
  });

  it("creates a working handler from validated, resolved options", async () => {
    const receiver = await startReceiver();
    const options = parsePluginOptions(webhookPlugin, webhook({ url: receiver.url }).options);
    const handler = webhookPlugin.create(resolveSecrets(options));
    await handler.notify(sampleTransition(), notifyContext("webhook"));
    expect(receiver.requests).toHaveLength(1);
  });
});
