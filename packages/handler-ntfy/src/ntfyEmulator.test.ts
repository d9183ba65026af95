import { closeReceivers } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startNtfyEmulator } from "./__tests__/ntfyEmulator.js";

afterEach(closeReceivers);

const publish = (url: string, body: unknown, token?: string) =>
  fetch(`${url}/`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

// The handler's tests are only as good as the emulator: check it answers as ntfy does.
describe("the ntfy emulator", () => {
  it("publishes a JSON message and answers it back, as ntfy does", async () => {
    const server = await startNtfyEmulator();
    const response = await publish(server.url, {
      topic: "alerts",
      title: "Disk full",
      message: "db-1 at 99%",
      priority: 4,
      tags: ["warning"],
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({
      id: expect.stringMatching(/^[\w-]{12}$/),
      time: expect.any(Number),
      expires: expect.any(Number),
      event: "message",
      topic: "alerts",
      title: "Disk full",
      message: "db-1 at 99%",
      priority: 4,
      tags: ["warning"],
    });
  });

  it("answers ntfy's error JSON: forbidden, unauthorized, invalid priority", async () => {
    const server = await startNtfyEmulator();
    server.protectedTopics.add("ops");
    const anonymous = await publish(server.url, { topic: "ops", message: "x" });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toEqual({
      code: 40301,
      http: 403,
      error: "forbidden",
      link: "https://ntfy.sh/docs/publish/#authentication",
    });
    const wrongToken = await publish(server.url, { topic: "ops", message: "x" }, "tk_wrong");
    expect(wrongToken.status).toBe(401);
    expect(((await wrongToken.json()) as { code: number }).code).toBe(40101);
    expect((await publish(server.url, { topic: "ops", message: "x" }, server.token)).status).toBe(200);
    const priority = await publish(server.url, { topic: "alerts", message: "x", priority: 9 });
    expect(((await priority.json()) as { code: number }).code).toBe(40007);
    expect(server.messages).toHaveLength(1);
  });

  it("answers 429 with ntfy's 42901 error once a visitor is over its request limit", async () => {
    const server = await startNtfyEmulator();
    server.rateLimit.limit = 1;
    expect((await publish(server.url, { topic: "alerts", message: "1" })).status).toBe(200);
    const limited = await publish(server.url, { topic: "alerts", message: "2" });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      code: 42901,
      http: 429,
      error: "limit reached: too many requests, please be nice",
      link: "https://ntfy.sh/docs/publish/#limitations",
    });
    expect(server.messages).toHaveLength(1);
  });
});
