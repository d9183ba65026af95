import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { ntfy } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, ntfyPlugin } from "./plugin.js";

describe("ntfy builder and plugin", () => {
  it("keeps the token as a secret name in the spec a module file produces", () => {
    expect(ntfy({ topic: "alerts", token: { $secret: "NTFY_TOKEN" } })).toEqual({
      plugin: "@amstaff/handler-ntfy",
      options: { topic: "alerts", token: { $secret: "NTFY_TOKEN" } },
    });
  });

  it("applies defaults when the server validates the options", () => {
    expect(parsePluginOptions(ntfyPlugin, ntfy({ topic: "alerts" }).options)).toEqual({
      topic: "alerts",
      server: "https://ntfy.sh",
      markdown: false,
      timeout: "10s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(ntfyPlugin);
    expect(api.amstaffPlugin).toBe(ntfyPlugin);
  });
});
