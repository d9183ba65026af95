import { closeReceivers } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startWorkflowsEmulator } from "./__tests__/workflowsEmulator.js";

afterEach(closeReceivers);

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const card = {
  type: "message",
  attachments: [
    {
      contentType: "application/vnd.microsoft.card.adaptive",
      content: { type: "AdaptiveCard", version: "1.4", body: [{ type: "TextBlock", text: "hi" }] },
    },
  ],
};

// The handler's tests are only as good as the emulator: check it answers as the Workflows trigger does.
describe("the Workflows emulator", () => {
  it("accepts an Adaptive Card envelope with 202, an empty body and the run id", async () => {
    const workflow = await startWorkflowsEmulator();
    const answer = await post(workflow.url, card);
    expect(answer.status).toBe(202);
    expect(await answer.text()).toBe("");
    expect(answer.headers.get("x-ms-workflow-run-id")).toMatch(/^08584[0-9A-F]{24}$/);
    expect(workflow.cards).toEqual([
      { runId: answer.headers.get("x-ms-workflow-run-id"), card: card.attachments[0]?.content },
    ]);
  });

  it("refuses a bad envelope with 400, a wrong or missing sig with 401, an unknown workflow with 404", async () => {
    const workflow = await startWorkflowsEmulator();
    const legacy = await post(workflow.url, { "@type": "MessageCard", text: "hi" });
    expect(legacy.status).toBe(400);
    expect(await legacy.json()).toMatchObject({ error: { code: "TriggerInputSchemaMismatch" } });
    const noCard = await post(workflow.url, {
      ...card,
      attachments: [{ contentType: "text/plain", content: "hi" }],
    });
    expect(noCard.status).toBe(400);

    expect((await post(workflow.url.replace(/sig=[^&]+/, "sig=nope"), card)).status).toBe(401);
    const unsigned = await post(workflow.url.replace(/&sig=[^&]+/, ""), card);
    expect(await unsigned.json()).toMatchObject({ error: { code: "DirectApiAuthorizationRequired" } });
    expect((await post(workflow.url.replace(/workflows\/[0-9a-f]+/, "workflows/00"), card)).status).toBe(404);
    expect(workflow.cards).toHaveLength(0);
  });

  it("throttles with 429 and Retry-After", async () => {
    const workflow = await startWorkflowsEmulator();
    workflow.rateLimit = { limit: 1, windowMs: 5_000 };
    await post(workflow.url, card);
    const throttled = await post(workflow.url, card);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("5");
    expect(await throttled.json()).toMatchObject({ error: { code: "WorkflowRequestsThrottled" } });
  });
});
