import { describe, expect, it } from "vitest";
import { integrationPathPattern, integrationSettingVariable } from "./inbound.js";

describe("integration settings' variables", () => {
  it("are AMSTAFF_<PATH>_<SETTING> in upper snake case", () => {
    expect(integrationSettingVariable("slack", "signingSecret")).toBe("AMSTAFF_SLACK_SIGNING_SECRET");
    expect(integrationSettingVariable("slack", "apiUrl")).toBe("AMSTAFF_SLACK_API_URL");
    expect(integrationSettingVariable("heart-beat", "token")).toBe("AMSTAFF_HEART_BEAT_TOKEN");
  });

  it("come from paths that are one URL segment", () => {
    expect(["slack", "heart-beat", "v2"].every((p) => integrationPathPattern.test(p))).toBe(true);
    expect(["", "Slack", "a/b", "-x", "a b", "../x"].some((p) => integrationPathPattern.test(p))).toBe(false);
  });
});
