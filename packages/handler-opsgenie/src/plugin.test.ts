import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { opsgenie } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, opsgeniePlugin } from "./plugin.js";

describe("opsgenie builder and plugin", () => {
  it("keeps the API key as a secret name in the spec a module file produces", () => {
    expect(opsgenie({ apiKey: { $secret: "OPSGENIE_API_KEY" }, region: "eu" })).toEqual({
      plugin: "@amstaff/handler-opsgenie",
      options: { apiKey: { $secret: "OPSGENIE_API_KEY" }, region: "eu" },
    });
  });

  it("applies defaults when the server validates the options", () => {
    expect(parsePluginOptions(opsgeniePlugin, opsgenie({ apiKey: { $secret: "K" } }).options)).toEqual({
      apiKey: { $secret: "K" },
      region: "us",
      source: "Amstaff",
      timeout: "10s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(opsgeniePlugin);
    expect(api.amstaffPlugin).toBe(opsgeniePlugin);
  });
});
