import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { pagerduty } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, pagerdutyPlugin } from "./plugin.js";

describe("pagerduty builder and plugin", () => {
  it("keeps the routing key as a secret name in the spec a module file produces", () => {
    expect(pagerduty({ routingKey: { $secret: "PD_KEY" }, group: "prod" })).toEqual({
      plugin: "@amstaff/handler-pagerduty",
      options: { routingKey: { $secret: "PD_KEY" }, group: "prod" },
    });
  });

  it("applies defaults when the server validates the options", () => {
    expect(parsePluginOptions(pagerdutyPlugin, pagerduty({ routingKey: { $secret: "K" } }).options)).toEqual({
      routingKey: { $secret: "K" },
      baseUrl: "https://events.pagerduty.com",
      client: "Amstaff",
      timeout: "10s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(pagerdutyPlugin);
    expect(api.amstaffPlugin).toBe(pagerdutyPlugin);
  });
});
