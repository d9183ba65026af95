import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { teams } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, teamsPlugin } from "./plugin.js";

describe("teams builder and plugin", () => {
  it("keeps the workflow URL as a secret name in the spec a module file produces", () => {
    expect(teams({ url: { $secret: "TEAMS_WORKFLOW_URL" } })).toEqual({
      plugin: "@amstaff/handler-teams",
      options: { url: { $secret: "TEAMS_WORKFLOW_URL" } },
    });
  });

  it("applies defaults when the server validates the options", () => {
    expect(parsePluginOptions(teamsPlugin, teams({ url: { $secret: "W" } }).options)).toEqual({
      url: { $secret: "W" },
      cardVersion: "1.4",
      fullWidth: true,
      timeout: "10s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(teamsPlugin);
    expect(api.amstaffPlugin).toBe(teamsPlugin);
  });
});
