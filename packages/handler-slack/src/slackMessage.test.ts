import { recoveryOf } from "@amstaff/core/testing";
import { describe, expect, it } from "vitest";
import { sampleTransition } from "./__tests__/fixtures.js";
import { acknowledgedMessage } from "./acknowledgedMessage.js";
import { renderSlackMessage, type SlackMessageOptions } from "./slackMessage.js";

const options: SlackMessageOptions = { template: "{{message}}", interactive: true, now: 0 };
const text = (value: unknown) => JSON.stringify(value);

describe("renderSlackMessage", () => {
  it("keeps every section within Slack's limits for a huge result message", () => {
    const huge = sampleTransition({ result: { ...sampleTransition().result, message: "x".repeat(50_000) } });
    const content = renderSlackMessage(huge, "message", options);
    const blocks = content.attachments?.[0]?.blocks ?? [];
    for (const block of blocks) {
      const b = block as { text?: { text: string }; fields?: { text: string }[] };
      expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      for (const field of b.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
    }
    expect(content.text.length).toBeLessThanOrEqual(3000);
  });

  it("shows the result message as a field when the template does not include it", () => {
    const content = renderSlackMessage(sampleTransition(), "message", {
      ...options,
      template: "User service is down!!!",
    });
    expect(text(content)).toContain("User service is down!!!");
    expect(text(content)).toContain("*Result*\\nHTTP 500 from GET http://user-service/health");
  });

  it("shows how long a reminder's incident has been failing, with the injected clock", () => {
    const alert = sampleTransition();
    const reminder = { ...alert, kind: "reminder" as const, from: alert.to };
    const content = renderSlackMessage(reminder, "message", { ...options, now: alert.since + 2 * 3_600_000 });
    expect(text(content)).toContain(":red_circle: *Still CRITICAL*");
    expect(text(content)).toContain("*Failing for*\\n2h");
    expect(text(content)).toContain("*Status*\\n`CRITICAL`");
  });

  it("renders a first ok (from pending) as OK, not as a recovery, without buttons", () => {
    const first = sampleTransition({
      from: "pending",
      to: "ok",
      previousSince: undefined,
      incident: undefined,
    });
    const content = renderSlackMessage(first, "message", options);
    expect(content.text).toMatch(/^OK: /);
    expect(text(content)).toContain(":large_green_circle:");
    expect(text(content)).not.toContain("Was PENDING");
    expect(text(content)).not.toContain("actions");
  });

  it("gives a resolved alert no Acknowledge button, and keeps the View link", () => {
    const alert = sampleTransition({ link: "https://amstaff.example.com/m?a=1|2" });
    const content = renderSlackMessage(recoveryOf(alert), "original", options);
    expect(text(content)).not.toContain("amstaff_ack");
    expect(text(content)).toContain("amstaff_view");
    expect(text(content)).toContain("<https://amstaff.example.com/m?a=1%7C2|User Service / Health-Check>");
  });

  it("renders a resolve after flapping as the recovery of the incident, never OK → OK", () => {
    const alert = sampleTransition();
    const openedAt = alert.incident!.openedAt;
    const settled = recoveryOf(alert, {
      from: "ok",
      previousSince: alert.since + 64 * 60_000,
      incident: { key: "inc-1", openedAt, worst: "critical" },
    });
    for (const variant of ["message", "original"] as const) {
      const content = renderSlackMessage(settled, variant, options);
      expect(content.text).toMatch(/^RESOLVED: /);
      expect(text(content)).toContain("*Status*\\n`CRITICAL` → `OK`");
      expect(text(content)).toContain("*Down for*\\n1h 5m");
      expect(text(content)).not.toContain("no longer flapping");
    }
    const reply = renderSlackMessage(settled, "reply", options);
    expect(text(reply)).toContain("*RESOLVED* after 1h 5m");
    // Recorded before incidents knew their worst status: still a recovery, not "OK, no longer flapping".
    const older = renderSlackMessage(
      { ...settled, incident: { key: "inc-1", openedAt } },
      "message",
      options,
    );
    expect(text(older)).toContain("*Status*\\n`OK`, recovered");
  });

  it("leaves out a link Slack would refuse, rather than lose the alert", () => {
    const content = renderSlackMessage(sampleTransition({ link: "javascript:alert(1)" }), "message", options);
    expect(text(content)).not.toContain("amstaff_view");
    expect(text(content)).not.toContain("javascript:");
  });
});

describe("acknowledgedMessage", () => {
  it("is idempotent: acknowledging twice shows one line", () => {
    const alert = renderSlackMessage(sampleTransition(), "message", options);
    const by = { userId: "U0ADA", userName: "ada", at: 0 };
    const once = acknowledgedMessage(alert, by);
    const twice = acknowledgedMessage(once, by);
    expect(text(twice).match(/Acknowledged by/g)).toHaveLength(1);
    expect(text(twice)).not.toContain('"action_id":"amstaff_ack"');
  });

  it("escapes a user name it cannot mention", () => {
    const alert = renderSlackMessage(sampleTransition(), "message", options);
    const content = acknowledgedMessage(alert, { userId: "not-an-id", userName: "<!channel>", at: 0 });
    expect(text(content)).toContain("Acknowledged by &lt;!channel&gt;");
  });
});
