import {
  closedPort,
  closeReceivers,
  deliveryFailure,
  notifyContext,
  recoveryOf,
  sampleTransition,
} from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { startWorkflowsEmulator, type WorkflowsEmulator } from "./__tests__/workflowsEmulator.js";
import type { TeamsOptions } from "./options.js";
import { teamsHandler } from "./teamsHandler.js";

afterEach(closeReceivers);

// The workflow URL comes from a secret, as in a module file.
function handlerFor(workflow: WorkflowsEmulator, options: Partial<TeamsOptions> = {}) {
  return teamsHandler(
    { url: { $secret: "TEAMS_WORKFLOW_URL" }, ...options },
    { secrets: () => workflow.url },
  );
}

describe("teamsHandler posts Adaptive Cards", () => {
  it("posts the documented envelope to the signed URL: title band by status, message, facts, Open button", async () => {
    const workflow = await startWorkflowsEmulator();
    const receipt = await handlerFor(workflow).notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("teams"),
    );

    const [request] = workflow.requests;
    expect(request?.method).toBe("POST");
    expect(request?.query.sig).toBe(workflow.signature);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["user-agent"]).toBe(`amstaff-handler-teams/${packageJson.version}`);
    expect(request?.body).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            msteams: { width: "Full" },
            body: [
              {
                type: "Container",
                style: "attention",
                bleed: true,
                items: [
                  {
                    type: "TextBlock",
                    text: "CRITICAL: User Service / Health-Check",
                    wrap: true,
                    weight: "Bolder",
                    size: "Medium",
                    color: "Attention",
                  },
                ],
              },
              { type: "TextBlock", text: "HTTP 500 from GET http://user-service/health", wrap: true },
              {
                type: "FactSet",
                facts: [
                  { title: "Status", value: "critical (was ok for 5m)" },
                  { title: "Value", value: "12.5" },
                  { title: "Since", value: "2026-11-24T01:05:00.000Z" },
                  { title: "Incident", value: "inc-42" },
                  { title: "Tags", value: "production, team8" },
                ],
              },
            ],
            actions: [
              { type: "Action.OpenUrl", title: "Open in Amstaff", url: "https://amstaff.example.com/m/1" },
            ],
          },
        },
      ],
    });
    expect(receipt).toEqual({ runId: workflow.cards[0]?.runId });
  });

  it("colours by status and words reminders, escalations and flapping", async () => {
    const workflow = await startWorkflowsEmulator();
    const handler = handlerFor(workflow, { cardVersion: "1.5", fullWidth: false });
    await handler.notify(
      sampleTransition({ to: "warning", kind: "reminder", from: "warning" }),
      notifyContext("teams"),
    );
    await handler.notify(sampleTransition({ kind: "escalation", from: "critical" }), notifyContext("teams"));
    await handler.notify(
      sampleTransition({ to: "ok", kind: "flapping", flapping: true }),
      notifyContext("teams"),
    );
    await handler.notify(sampleTransition({ to: "unknown" }), notifyContext("teams"));
    const bands = workflow.cards.map(({ card }) => {
      const [band] = card.body as { style: string; items: { text: string; color: string }[] }[];
      return [band?.style, band?.items[0]?.color, band?.items[0]?.text, card.version, card.msteams];
    });
    expect(bands).toEqual([
      ["warning", "Warning", "Still WARNING: User Service / Health-Check", "1.5", undefined],
      ["attention", "Attention", "CRITICAL (escalated): User Service / Health-Check", "1.5", undefined],
      ["accent", "Accent", "FLAPPING: User Service / Health-Check (now OK)", "1.5", undefined],
      ["emphasis", "Default", "UNKNOWN: User Service / Health-Check", "1.5", undefined],
    ]);
  });

  it("posts the resolve as a green card of its own (a Workflows webhook cannot update a card)", async () => {
    const workflow = await startWorkflowsEmulator();
    const handler = handlerFor(workflow);
    const alert = sampleTransition();
    const receipt = (await handler.notify(alert, notifyContext("teams"))) ?? undefined;
    await handler.notify(recoveryOf(alert), notifyContext("teams", { receipt }));
    expect(workflow.cards).toHaveLength(2);
    const resolved = workflow.cards[1]?.card.body as Record<string, unknown>[];
    expect(resolved[0]).toMatchObject({
      style: "good",
      items: [{ text: "RESOLVED: User Service / Health-Check", color: "Good" }],
    });
    expect(resolved[1]).toMatchObject({
      text: "Recovered from CRITICAL after 1h 5m: HTTP 200 from GET http://user-service/health",
    });
    expect(resolved[2]).toMatchObject({
      facts: expect.arrayContaining([{ title: "Resolved", value: "2026-11-24T02:10:00.000Z" }]),
    });
  });

  it("renders templates, falls back on a blank title, and posts nothing for a first status of ok", async () => {
    const workflow = await startWorkflowsEmulator();
    const handler = handlerFor(workflow, { title: " ", message: "{{monitor}} is {{TO}}" });
    await handler.notify(sampleTransition(), notifyContext("teams"));
    const body = workflow.cards[0]?.card.body as { items?: { text: string }[]; text?: string }[];
    expect(body[0]?.items?.[0]?.text).toBe("CRITICAL: User Service / Health-Check");
    expect(body[1]?.text).toBe("Health-Check is CRITICAL");

    const nothing = await handler.notify(
      sampleTransition({ from: "pending", to: "ok", incident: undefined }),
      notifyContext("teams"),
    );
    expect(nothing).toBeUndefined();
    expect(workflow.requests).toHaveLength(1);
  });
});

describe("teamsHandler fails", () => {
  it("honours the workflow's throttling: a 429 is retryable after Retry-After", async () => {
    const workflow = await startWorkflowsEmulator();
    workflow.rateLimit = { limit: 1, windowMs: 20_000 };
    const handler = handlerFor(workflow);
    await handler.notify(sampleTransition(), notifyContext("teams"));
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("teams")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(19_000);
    expect(error.message).toMatch(
      /^teams http:\/\/127\.0\.0\.1:\d+\/workflows\/[0-9a-f]+\/triggers\/manual\/paths\/invoke: posting a card: Power Automate is throttling this workflow \(HTTP 429: WorkflowRequestsThrottled: .+\); will retry$/,
    );
  });

  it("a wrong signature is permanent, and the signature never shows", async () => {
    const workflow = await startWorkflowsEmulator();
    const handler = teamsHandler(
      { url: { $secret: "W" } },
      { secrets: () => workflow.url.replace(/sig=[^&]+/, "sig=forged-signature") },
    );
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("teams")));
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ status: 401 });
    expect(error.message).toContain(
      "the workflow refused the URL's signature: copy the webhook URL again into the secret (HTTP 401: DirectApiInvalidAuthorizationSignature:",
    );
    expect(error.message).not.toContain("forged-signature");
    expect(error.message).not.toContain("sig=");

    workflow.inject({
      status: 502,
      body: { error: { code: "BadGateway", message: `upstream ${workflow.url}` } },
    });
    const echoed = await deliveryFailure(
      handlerFor(workflow).notify(sampleTransition(), notifyContext("teams")),
    );
    expect(echoed.retryable).toBe(true);
    expect(echoed.message).not.toContain(workflow.signature);
    expect(echoed.message).toContain("[redacted]");
  });

  it("a refused card is permanent, with the trigger's error", async () => {
    const workflow = await startWorkflowsEmulator();
    workflow.inject({
      status: 400,
      body: { error: { code: "TriggerInputSchemaMismatch", message: "did not match its schema definition" } },
    });
    const error = await deliveryFailure(
      handlerFor(workflow).notify(sampleTransition(), notifyContext("teams")),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      "posting a card: the workflow refused the card (HTTP 400: TriggerInputSchemaMismatch: did not match its schema definition) (permanent, not retried)",
    );
  });

  it("a server error, a timeout and a refused connection are retryable", async () => {
    const workflow = await startWorkflowsEmulator();
    workflow.inject({ status: 503, headers: { "retry-after": "4" } });
    const failed = await deliveryFailure(
      handlerFor(workflow).notify(sampleTransition(), notifyContext("teams")),
    );
    expect(failed).toMatchObject({ retryable: true, retryAfterMs: 4000 });
    expect(failed.message).toContain("posting a card: Power Automate answered HTTP 503; will retry");

    workflow.hang = true;
    const slow = await deliveryFailure(
      handlerFor(workflow, { timeout: "200ms" }).notify(sampleTransition(), notifyContext("teams")),
    );
    expect(slow.message).toContain("posting a card: no answer within 200ms (timeout)");

    const port = await closedPort();
    const refused = await deliveryFailure(
      teamsHandler({
        url: `http://127.0.0.1:${port}/workflows/ab/triggers/manual/paths/invoke?sig=s3cr3t-sig`,
      }).notify(sampleTransition(), notifyContext("teams")),
    );
    expect(refused.retryable).toBe(true);
    expect(refused.message).toContain(`connection refused to 127.0.0.1:${port}; will retry`);
    expect(refused.message).not.toContain("s3cr3t-sig");
  });

  it("refuses a secret that is no signed workflow URL, without showing it", () => {
    expect(() =>
      teamsHandler({ url: { $secret: "W" } }, { secrets: () => "https://example.com/hook/s3cr3t" }),
    ).toThrow(
      /^Invalid options for @amstaff\/handler-teams: url: not a Workflows webhook URL with its sig= parameter$/,
    );
  });
});
