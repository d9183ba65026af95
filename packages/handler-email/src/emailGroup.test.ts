import type { SampleHandler } from "@amstaff/core";
import { notifyContext, sampleTransition } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { closeSmtpServers, startSmtpServer } from "./__tests__/smtpServer.js";
import { emailHandler } from "./emailHandler.js";

const handlers: SampleHandler[] = [];

afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.dispose?.();
  await closeSmtpServers();
});

const base = { host: "127.0.0.1", from: "Amstaff <alerts@example.com>", to: "oncall@example.com" };

describe("emailHandler groups", () => {
  it("sends one email listing every notification of a group", async () => {
    const smtp = await startSmtpServer();
    const handler = emailHandler({ ...base, port: smtp.port });
    handlers.push(handler);
    const notifications = ["API", "Cart", "Search"].map((monitor, i) => ({
      transition: sampleTransition({ monitor, ...(i === 2 && { to: "ok", from: "critical" }) }),
      idempotencyKey: `d-${i}`,
    }));

    await handler.notifyGroup?.(
      { key: "k", labels: { module: "User Service" }, notifications },
      notifyContext("email", { idempotencyKey: "g-1" }),
    );

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]?.parsed;
    expect(mail?.subject).toBe("[2 CRITICAL, 1 OK] User Service: 3 notifications");
    expect(mail?.text).toContain("- CRITICAL: User Service / API: HTTP 500");
    expect(mail?.text).toContain("- OK: User Service / Search");
    expect(mail?.html).toContain("<li><strong>CRITICAL: User Service / Cart</strong>");
    expect(mail?.headers.get("x-amstaff-kind")).toBe("group");
  });

  it("leaves groups to one email per notification when templates are set", () => {
    const handler = emailHandler({ ...base, port: 1, subject: "{{monitor}}" });
    handlers.push(handler);
    expect(handler.notifyGroup).toBeUndefined();
  });
});
