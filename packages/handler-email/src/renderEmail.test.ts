import { describe, expect, it } from "vitest";
import { sampleTransition } from "./__tests__/smtpServer.js";
import { renderEmail, renderHtmlTemplate } from "./renderEmail.js";

describe("renderEmail", () => {
  it("lays out the alert for people reading it at 3 a.m.", () => {
    const email = renderEmail(
      sampleTransition({
        link: "https://amstaff.example.com/monitors/1",
        incident: {
          key: "inc-42",
          openedAt: Date.parse("2026-11-24T01:05:00Z"),
          acknowledged: { by: "alice", at: Date.parse("2026-11-24T01:07:00Z") },
        },
      }),
    );
    expect(email.subject).toBe("[CRITICAL] User Service / Health-Check");
    expect(email.text).toBe(
      [
        "CRITICAL: User Service / Health-Check",
        "",
        "HTTP 500 from GET http://user-service/health",
        "",
        "Status:       critical (was ok for 5m)",
        "Value:        12.5",
        "Since:        2026-11-24T01:05:00.000Z",
        "Incident:     inc-42 (opened 2026-11-24T01:05:00.000Z)",
        "Acknowledged: by alice at 2026-11-24T01:07:00.000Z",
        "Tags:         production, team8",
        "Link:         https://amstaff.example.com/monitors/1",
        "",
        "-- ",
        "Sent by Amstaff. Replies to this email are not read by Amstaff.",
        "",
      ].join("\n"),
    );
    expect(email.html).toContain('<a href="https://amstaff.example.com/monitors/1">');
  });

  it("says when a status is the monitor's first", () => {
    const email = renderEmail(sampleTransition({ from: "pending", previousSince: undefined }));
    expect(email.text).toMatch(/Status: +critical \(first status\)/);
  });

  it("keeps the subject on one line", () => {
    const email = renderEmail(sampleTransition({ monitor: "Health\r\nBcc: everyone@example.com" }));
    expect(email.subject).toBe("[CRITICAL] User Service / Health Bcc: everyone@example.com");
  });

  it("falls back to the default subject when a template renders blank", () => {
    expect(renderEmail(sampleTransition(), { subject: "{{link}}" }).subject).toBe(
      "[CRITICAL] User Service / Health-Check",
    );
  });

  it("sends plain text only when only a text template is set", () => {
    expect(renderEmail(sampleTransition(), { text: "{{message}}" })).toEqual({
      subject: "[CRITICAL] User Service / Health-Check",
      text: "HTTP 500 from GET http://user-service/health",
    });
  });

  it("escapes every variable filled into an HTML template, and leaves unknown placeholders", () => {
    const transition = sampleTransition({ tags: ["<i>", "a&b"] });
    expect(renderHtmlTemplate("<ul>{{tags}}</ul>{{nope}}", transition)).toBe(
      "<ul>&lt;i&gt;, a&amp;b</ul>{{nope}}",
    );
  });
});
