import { afterEach, describe, expect, it } from "vitest";
import { closeEmulators, startOpsgenieEmulator } from "./__tests__/opsgenieEmulator.js";

afterEach(closeEmulators);

// The handler's tests are only as good as the emulator: check it answers as OpsGenie documents.
describe("the OpsGenie emulator", () => {
  it("answers a create without message with the documented 422 body", async () => {
    const og = await startOpsgenieEmulator();
    const response = await fetch(`${og.url}/v2/alerts`, {
      method: "POST",
      headers: { authorization: `GenieKey ${og.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ alias: "a", priority: "P9" }),
    });
    expect(response.status).toBe(422);
    const body = await response.json();
    expect(body).toEqual({
      message: "Request body is not processable. Please check the errors.",
      errors: {
        message: "Message can not be empty.",
        priority: "Priority should be one of [P1, P2, P3, P4, P5]",
      },
      took: expect.any(Number),
      requestId: response.headers.get("x-request-id"),
    });
    expect(og.alerts).toHaveLength(0);
  });

  it("answers 202 with a request id, and 401 to a malformed or unknown key", async () => {
    const og = await startOpsgenieEmulator();
    const post = (key: string) =>
      fetch(`${og.url}/v2/alerts`, {
        method: "POST",
        headers: { authorization: `GenieKey ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "disk full" }),
      });
    const accepted = await post(og.apiKey);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({
      result: "Request will be processed",
      took: expect.any(Number),
      requestId: accepted.headers.get("x-request-id"),
    });
    const malformed = await post("nope");
    expect(malformed.status).toBe(401);
    expect(((await malformed.json()) as { message: string }).message).toBe("Key format is not valid!");
    const unknown = await post("00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { message: string }).message).toBe("Could not authenticate");
  });
});
