import { Writable } from "node:stream";
import { resolveSecrets } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

describe("createLogger", () => {
  it("never writes a resolved secret of a handler's options, however deep it sits in the logged object", () => {
    let output = "";
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _, done) {
          output += String(chunk);
          done();
        },
      }),
    );
    const env: Record<string, string> = {
      SLACK_TOKEN: "xoxb-slack-secret-1",
      SLACK_WEBHOOK: "https://hooks.slack.com/services/T0/B0/webhook-secret-2",
      OPSGENIE_KEY: "opsgenie-secret-3",
      SMTP_PASSWORD: "smtp-secret-4",
      HOOK_AUTH: "Bearer webhook-secret-5",
    };
    const handlers = resolveSecrets(
      [
        {
          plugin: "@amstaff/handler-slack",
          options: { token: { $secret: "SLACK_TOKEN" }, channel: "C0123" },
        },
        { plugin: "@amstaff/handler-slack", options: { webhookUrl: { $secret: "SLACK_WEBHOOK" } } },
        { plugin: "@amstaff/handler-opsgenie", options: { apiKey: { $secret: "OPSGENIE_KEY" } } },
        {
          plugin: "@amstaff/handler-email",
          options: {
            host: "smtp.local",
            auth: { user: "alerts@example.com", pass: { $secret: "SMTP_PASSWORD" } },
          },
        },
        {
          plugin: "@amstaff/handler-webhook",
          options: { url: "http://hooks.local/x", headers: { authorization: { $secret: "HOOK_AUTH" } } },
        },
      ],
      (name) => env[name],
    );
    for (const handler of handlers) logger.info({ handler }, "handler created");
    logger.info({ module: "Shop", options: handlers[2]!.options }, "options");
    logger.warn(
      { token: "api-token-secret-6", req: { headers: { authorization: "Bearer api-secret-7" } } },
      "x",
    );

    for (const secret of [...Object.values(env), "api-token-secret-6", "api-secret-7"]) {
      expect(output).not.toContain(secret.replace(/^Bearer /, ""));
    }
    expect(output).toContain('"channel":"C0123"');
    expect(output).toContain('"user":"alerts@example.com"');
    expect(output).toContain('"url":"http://hooks.local/x"');
    expect(output.match(/\[Redacted\]/g)?.length).toBe(8);
  });
  it("writes readable lines in the pretty format, with the same secrets redacted", () => {
    let output = "";
    const logger = createLogger(
      "debug",
      new Writable({
        write(chunk, _, done) {
          output += String(chunk);
          done();
        },
      }),
      "pretty",
    );
    logger.info({ module: "Shop", token: "api-token-secret-8" }, "module pushed");
    logger.debug(
      { handler: { options: { webhookUrl: "https://hooks.example/secret-9", channel: "C0123" } } },
      "handler created",
    );
    logger.warn({ req: { headers: { authorization: "Bearer api-secret-10" } } }, "refused");

    expect(output).not.toContain("api-token-secret-8");
    expect(output).not.toContain("secret-9");
    expect(output).not.toContain("api-secret-10");
    expect(output.match(/\[Redacted\]/g)?.length).toBe(3);
    const lines = output.split("\n").filter(Boolean);
    // A time, a level and the message first; the fields below it, indented; no JSON object lines.
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: module pushed$/);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] DEBUG: handler created$/m);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: refused$/m);
    expect(output).toMatch(/^ {4}module: "Shop"$/m);
    expect(output).toContain('"channel": "C0123"');
    expect(lines.some((line) => line.trimStart().startsWith('{"level"'))).toBe(false);
  });
});
