import { parsePluginOptions, resolveSecrets } from "@amstaff/core";
import { notifyContext } from "@amstaff/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleTransition } from "./__tests__/fixtures.js";
import { SlackEmulator, startSlackEmulator } from "./__tests__/slackEmulator.js";
import { slack } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, slackPlugin } from "./plugin.js";

let slackApi: SlackEmulator;
beforeEach(async () => {
  slackApi = await startSlackEmulator();
});
afterEach(async () => {
  await slackApi.close();
});

describe("slack builder", () => {
  it("returns plain data that keeps secret references as names", () => {
    const spec = slack({
      token: { $secret: "SLACK_TOKEN" },
      channel: "user-service-prod",
      message: "User service is down!!!",
    });
    expect(spec).toEqual({
      plugin: "@amstaff/handler-slack",
      options: {
        token: { $secret: "SLACK_TOKEN" },
        channel: "user-service-prod",
        message: "User service is down!!!",
      },
    });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });
});

describe("slackPlugin", () => {
  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(slackPlugin);
    expect(api.amstaffPlugin).toBe(slackPlugin);
    expect(slackPlugin).toMatchObject({ kind: "handler", id: "@amstaff/handler-slack", builders: { slack } });
  });

  it("applies defaults in both modes", () => {
    expect(parsePluginOptions(slackPlugin, { token: { $secret: "T" }, channel: "C1" })).toEqual({
      token: { $secret: "T" },
      channel: "C1",
      message: "{{message}}",
      timeout: "10s",
    });
    expect(parsePluginOptions(slackPlugin, { webhookUrl: { $secret: "W" } })).toEqual({
      webhookUrl: { $secret: "W" },
      message: "{{message}}",
      timeout: "10s",
    });
  });

  it("says which mode's option is missing or misplaced", () => {
    expect(() => parsePluginOptions(slackPlugin, {})).toThrow(
      /token: required: a bot token as secret\("SLACK_TOKEN"\) with a channel \(bot mode\), or set webhookUrl instead/,
    );
    expect(() =>
      parsePluginOptions(slackPlugin, { webhookUrl: { $secret: "W" }, token: { $secret: "T" } }),
    ).toThrow(/token: not with webhookUrl: use either token \+ channel \(bot mode\) or webhookUrl/);
  });

  it("creates a working handler from validated, resolved options", async () => {
    const options = parsePluginOptions(
      slackPlugin,
      slack({ token: { $secret: "SLACK_TOKEN" }, channel: "C0ALERTS1", apiUrl: slackApi.apiUrl }).options,
    );
    const handler = slackPlugin.create(resolveSecrets(options, () => SlackEmulator.token));
    await handler.notify(sampleTransition(), notifyContext("slack"));
    expect(slackApi.topLevel("C0ALERTS1")).toHaveLength(1);
  });
});
