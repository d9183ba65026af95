import { sampleTransition } from "@amstaff/core/testing";
import { describe, expect, it } from "vitest";
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

  it("renders an escalation as a fresh alert that says since when the incident fails", () => {
    const email = renderEmail(
      sampleTransition({
        kind: "escalation",
        from: "critical",
        since: Date.parse("2026-11-24T01:15:00Z"),
        incident: { key: "inc-42", openedAt: Date.parse("2026-11-24T01:05:00Z") },
      }),
    );
    expect(email.subject).toBe("[CRITICAL] Escalated: User Service / Health-Check");
    expect(email.text).toMatch(/^CRITICAL \(escalated\): User Service \/ Health-Check\n/);
    expect(email.text).toMatch(
      /Status: +critical \(escalated: failing since 2026-11-24T01:05:00\.000Z, not acknowledged\)/,
    );
    expect(email.html).toContain(">CRITICAL (ESCALATED)</span> User Service / Health-Check");
  });

  it("announces flapping with the current status, even ok, and says when it settled", () => {
    const flapping = sampleTransition({
      kind: "flapping",
      flapping: true,
      from: "critical",
      to: "ok",
      result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
    });
    const email = renderEmail(flapping);
    expect(email.subject).toBe("[FLAPPING] User Service / Health-Check (now OK)");
    expect(email.text).toMatch(/^FLAPPING: User Service \/ Health-Check\n/);
    expect(email.text).toMatch(
      /Status: +flapping, now ok \(changes are held back until the monitor settles\)/,
    );
    expect(email.html).toContain(
      '<span style="background:#b26a00;color:#ffffff;padding:2px 8px;border-radius:3px">FLAPPING</span>',
    );

    const settled = renderEmail(sampleTransition({ from: "critical", to: "critical" }));
    expect(settled.subject).toBe("[CRITICAL] User Service / Health-Check");
    expect(settled.text).toMatch(/Status: +critical \(no longer flapping\)/);
  });

  it("renders a resolve as the recovery of the incident, also after flapping (never ok -> ok)", () => {
    const openedAt = Date.parse("2026-11-24T00:00:00Z");
    const ok = { status: "ok" as const, message: "HTTP 200", durationMs: 3, timestamp: 0 };
    const resolve = renderEmail(
      sampleTransition({ from: "critical", to: "ok", result: ok, incident: { key: "inc-42", openedAt } }),
    );
    expect(resolve.text).toMatch(/Status: +ok \(recovered from critical after 1h 5m\)/);
    const settled = renderEmail(
      sampleTransition({
        from: "ok",
        to: "ok",
        result: ok,
        incident: { key: "inc-42", openedAt, worst: "critical" },
      }),
      { subject: "{{FROM}} -> {{TO}} after {{duration}}" },
    );
    expect(settled.subject).toBe("CRITICAL -> OK after 1h 5m");
    expect(settled.text).toMatch(/Status: +ok \(recovered from critical after 1h 5m\)/);
    expect(settled.text).not.toContain("no longer flapping");
  });

  it("keeps the user's subject for every kind, with {{kind}} to tell them apart", () => {
    const subject = "{{kind}}: {{module}} / {{monitor}} is {{to}}";
    expect(renderEmail(sampleTransition({ kind: "escalation" }), { subject }).subject).toBe(
      "escalation: User Service / Health-Check is critical",
    );
    expect(renderEmail(sampleTransition(), { subject }).subject).toBe(
      "transition: User Service / Health-Check is critical",
    );
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

  it("fills an HTML template in linear time: `{{` then thousands of spaces is scanned at once", () => {
    // The former placeholder pattern backtracked cubically here: ~25 s for 4,000 spaces, on the node's event loop.
    const hostile = `{{${" ".repeat(9_990)}`;
    expect(renderHtmlTemplate(`${hostile}{{ tags\n}}`, sampleTransition({ tags: ["a&b"] }))).toBe(
      `${hostile}a&amp;b`,
    );
  });
});
