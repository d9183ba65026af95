import { parsePluginOptions } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { email } from "./builders.js";
import * as api from "./index.js";
import { amstaffPlugin, emailPlugin } from "./plugin.js";

describe("email builder and plugin", () => {
  it("keeps secret references as names in the spec a module file produces", () => {
    const spec = email({
      host: "smtp.example.com",
      auth: { user: "alerts", pass: { $secret: "SMTP_PASSWORD" } },
      from: "alerts@example.com",
      to: "oncall@example.com",
    });
    expect(spec).toEqual({
      plugin: "@amstaff/handler-email",
      options: {
        host: "smtp.example.com",
        auth: { user: "alerts", pass: { $secret: "SMTP_PASSWORD" } },
        from: "alerts@example.com",
        to: "oncall@example.com",
      },
    });
  });

  it("applies defaults when the server validates the options", () => {
    const options = parsePluginOptions(
      emailPlugin,
      email({ host: "smtp.example.com", from: "alerts@example.com", to: "oncall@example.com" }).options,
    );
    expect(options).toEqual({
      host: "smtp.example.com",
      secure: false,
      requireTLS: false,
      from: "alerts@example.com",
      to: "oncall@example.com",
      timeout: "30s",
    });
  });

  it("is what servers discover as the package's amstaffPlugin", () => {
    expect(amstaffPlugin).toBe(emailPlugin);
    expect(api.amstaffPlugin).toBe(emailPlugin);
    expect(emailPlugin.builders).toEqual({ email });
  });
});
