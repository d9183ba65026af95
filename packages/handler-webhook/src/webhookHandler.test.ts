import {
  closedPort,
  closeReceivers,
  deliveryFailure,
  notifyContext,
  sampleTransition,
  startReceiver,
} from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { verifyWebhookSignature } from "./signature.js";
import { webhookHandler } from "./webhookHandler.js";

afterEach(async () => {
  await closeReceivers();
  delete process.env.AMSTAFF_TEST_WEBHOOK_TOKEN;
  delete process.env.AMSTAFF_TEST_SIGNING_SECRET;
});

describe("webhookHandler delivery", () => {
  it("POSTs the payload contract with the always-sent headers", async () => {
    const receiver = await startReceiver(undefined, { path: "/hooks/amstaff" });
    const handler = webhookHandler({ url: receiver.url, headers: { "X-Team": "team8" } });
    const transition = sampleTransition();

    await handler.notify(transition, notifyContext("webhook", { idempotencyKey: "key-123", attempt: 3 }));

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/hooks/amstaff");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      version: 1,
      type: "transition",
      idempotencyKey: "key-123",
      transition: { ...transition, kind: "transition" },
      text: "[CRITICAL] User Service / Health-Check: HTTP 500 from GET http://user-service/health (was OK since 2026-11-24T01:00:00Z)",
    });
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": `amstaff-handler-webhook/${packageJson.version}`,
      "idempotency-key": "key-123",
      "x-amstaff-attempt": "3",
      "x-team": "team8",
    });
    expect(request?.headers["x-amstaff-signature"]).toBeUndefined();
  });

  it("sends a templated JSON body of the user's design instead of the standard payload", async () => {
    process.env.AMSTAFF_TEST_ROUTING_KEY = "routing-key-1";
    const receiver = await startReceiver();
    const handler = webhookHandler({
      url: receiver.url,
      signingSecret: "s3cret-for-signing",
      body: {
        content: "{{TO}}: {{module}} / {{monitor}} — {{message}}",
        routing: { $secret: "AMSTAFF_TEST_ROUTING_KEY" },
        severity: 3,
        fields: [{ name: "since", value: "{{since}}" }],
      },
    });
    await handler.notify(sampleTransition(), notifyContext("webhook", { idempotencyKey: "key-9" }));
    const request = receiver.requests[0]!;
    expect(JSON.parse(request.body)).toEqual({
      content: "CRITICAL: User Service / Health-Check — HTTP 500 from GET http://user-service/health",
      routing: "routing-key-1",
      severity: 3,
      fields: [{ name: "since", value: new Date(sampleTransition().since).toISOString() }],
    });
    expect(request.headers["idempotency-key"]).toBe("key-9");
    expect(
      verifyWebhookSignature(request.body, request.headers["x-amstaff-signature"], "s3cret-for-signing"),
    ).toBe(true);
    expect(() => webhookHandler({ url: receiver.url, body: { text: "{{monitr}}" } })).toThrowError(
      /unknown template variable \{\{monitr\}\}/,
    );
    delete process.env.AMSTAFF_TEST_ROUTING_KEY;
  });

  it("sends escalations and flapping announcements with their kind, in the payload and in templates", async () => {
    const receiver = await startReceiver();
    const incident = { key: "inc-42", openedAt: Date.parse("2026-11-24T01:05:00Z") };
    const standard = webhookHandler({ url: receiver.url });
    const templated = webhookHandler({
      url: receiver.url,
      body: { event: "{{kind}}", summary: "{{TO}}: {{module}} / {{monitor}}" },
    });
    const escalation = sampleTransition({ id: "tr-0001-e1", kind: "escalation", from: "critical", incident });
    const flapping = sampleTransition({
      id: "tr-0007",
      kind: "flapping",
      flapping: true,
      to: "ok",
      incident,
      result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
    });
    await standard.notify(escalation, notifyContext("webhook", { idempotencyKey: "e1" }));
    await standard.notify(flapping, notifyContext("webhook", { idempotencyKey: "f1" }));
    await templated.notify(flapping, notifyContext("webhook", { idempotencyKey: "f1" }));

    const [escalated, flapped, custom] = receiver.requests.map((r) => JSON.parse(r.body));
    expect(escalated).toMatchObject({
      type: "transition",
      transition: { kind: "escalation", from: "critical", to: "critical", incident },
      text: "[CRITICAL] Escalated: User Service / Health-Check: HTTP 500 from GET http://user-service/health (failing since 2026-11-24T01:05:00Z, not acknowledged)",
    });
    expect(flapped).toMatchObject({
      transition: { kind: "flapping", flapping: true, to: "ok" },
      text: "[FLAPPING] User Service / Health-Check: HTTP 200 (now OK)",
    });
    expect(custom).toEqual({ event: "flapping", summary: "OK: User Service / Health-Check" });
  });

  it("sends a resolve as the recovery of the incident, with a recovery field and templates to match", async () => {
    const receiver = await startReceiver();
    const openedAt = Date.parse("2026-11-24T00:00:00Z");
    const standard = webhookHandler({ url: receiver.url });
    const templated = webhookHandler({
      url: receiver.url,
      body: { summary: "{{FROM}} -> {{TO}} after {{duration}}" },
    });
    // What a server recorded for a monitor that flapped and settled on ok: the incident knows better.
    const resolve = sampleTransition({
      from: "ok",
      to: "ok",
      incident: { key: "inc-42", openedAt, worst: "critical" },
      result: { status: "ok", message: "HTTP 200", durationMs: 3, timestamp: 0 },
    });
    await standard.notify(resolve, notifyContext("webhook", { idempotencyKey: "r1" }));
    await templated.notify(resolve, notifyContext("webhook", { idempotencyKey: "r1" }));
    const [sent, custom] = receiver.requests.map((r) => JSON.parse(r.body));
    expect(sent).toMatchObject({
      recovery: { from: "critical", openedAt, durationMs: 65 * 60_000 },
      text: "[OK] User Service / Health-Check: HTTP 200 (recovered from CRITICAL after 1h 5m, failing since 2026-11-24T00:00:00Z)",
    });
    expect(custom).toEqual({ summary: "CRITICAL -> OK after 1h 5m" });
    await standard.notify(sampleTransition(), notifyContext("webhook", { idempotencyKey: "c1" }));
    expect(JSON.parse(receiver.requests[2]!.body).recovery).toBeUndefined();
  });

  it("uses PUT when asked and keeps the query string of the url", async () => {
    const receiver = await startReceiver(undefined, { path: "/hooks/amstaff" });
    const handler = webhookHandler({ url: `${receiver.url}?channel=ops`, method: "PUT" });
    await handler.notify(sampleTransition(), notifyContext("webhook"));
    expect(receiver.requests[0]?.method).toBe("PUT");
    expect(receiver.requests[0]?.url).toBe("/hooks/amstaff?channel=ops");
  });

  it("accepts any 2xx answer, with or without a body", async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(200).end("x".repeat(200_000)));
    const handler = webhookHandler({ url: receiver.url });
    await expect(handler.notify(sampleTransition(), notifyContext("webhook"))).resolves.toBeUndefined();
    await expect(handler.notify(sampleTransition(), notifyContext("webhook"))).resolves.toBeUndefined();
    expect(receiver.requests).toHaveLength(2);
  });

  it("names itself by origin and path, without query string or credentials", () => {
    const handler = webhookHandler({ url: "https://user:pw@hooks.example.com:8443/a/b?token=abc" });
    expect(handler.name).toBe("webhook https://hooks.example.com:8443/a/b");
  });

  it("turns credentials in the url into basic authentication", async () => {
    const receiver = await startReceiver();
    const handler = webhookHandler({ url: receiver.url.replace("http://", "http://amstaff:p%40ss@") });
    await handler.notify(sampleTransition(), notifyContext("webhook"));
    expect(receiver.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("amstaff:p@ss").toString("base64")}`,
    );
  });
});

describe("webhookHandler signing", () => {
  it("signs the exact body so the receiver can verify it", async () => {
    process.env.AMSTAFF_TEST_SIGNING_SECRET = "whsec_test_0123456789";
    const receiver = await startReceiver();
    const handler = webhookHandler({
      url: receiver.url,
      signingSecret: { $secret: "AMSTAFF_TEST_SIGNING_SECRET" },
    });
    await handler.notify(sampleTransition(), notifyContext("webhook"));

    const request = receiver.requests[0]!;
    const header = request.headers["x-amstaff-signature"];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(request.body, header, "whsec_test_0123456789")).toBe(true);
    expect(
      verifyWebhookSignature(request.body.replace("CRITICAL", "OK"), header, "whsec_test_0123456789"),
    ).toBe(false);
    expect(verifyWebhookSignature(request.body, header, "another-secret")).toBe(false);
    expect(
      verifyWebhookSignature(request.body, header, "whsec_test_0123456789", {
        now: Date.now() + 10 * 60_000,
      }),
    ).toBe(false);
  });

  it("stamps the signature with the injected clock", async () => {
    const receiver = await startReceiver();
    const now = Date.parse("2026-11-24T01:00:00Z");
    const handler = webhookHandler({ url: receiver.url, signingSecret: "s3cret" }, { now: () => now });
    await handler.notify(sampleTransition(), notifyContext("webhook"));
    const request = receiver.requests[0]!;
    expect(request.headers["x-amstaff-signature"]).toMatch(new RegExp(`^t=${now / 1000},`));
    expect(
      verifyWebhookSignature(request.body, request.headers["x-amstaff-signature"], "s3cret", { now }),
    ).toBe(true);
  });
});

describe("webhookHandler secrets", () => {
  it("resolves secret headers from the environment and keeps them out of error messages", async () => {
    process.env.AMSTAFF_TEST_WEBHOOK_TOKEN = "Bearer tok-9f8e7d6c5b4a";
    const receiver = await startReceiver((req, res) =>
      res.writeHead(500).end(`internal error, you sent authorization=${req.headers.authorization}`),
    );
    const handler = webhookHandler({
      url: receiver.url,
      headers: { Authorization: { $secret: "AMSTAFF_TEST_WEBHOOK_TOKEN" } },
    });

    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("webhook")));

    expect(receiver.requests[0]?.headers.authorization).toBe("Bearer tok-9f8e7d6c5b4a");
    expect(error.message).toContain("answered HTTP 500: internal error");
    expect(error.message).not.toContain("tok-9f8e7d6c5b4a");
    expect(JSON.stringify(error.details)).not.toContain("tok-9f8e7d6c5b4a");
  });

  it("names a missing secret when the handler is created", () => {
    expect(() =>
      webhookHandler({ url: "http://127.0.0.1/", headers: { a: { $secret: "AMSTAFF_NOPE" } } }),
    ).toThrow(
      expect.objectContaining({
        code: "AMS_ERR_SECRET_MISSING",
        message: expect.stringContaining("AMSTAFF_NOPE"),
      }),
    );
  });

  it("reads secrets from an injected source", async () => {
    const receiver = await startReceiver();
    const handler = webhookHandler(
      { url: receiver.url, headers: { "x-api-key": { $secret: "API_KEY" } } },
      { secrets: (name) => (name === "API_KEY" ? "k-123" : undefined) },
    );
    await handler.notify(sampleTransition(), notifyContext("webhook"));
    expect(receiver.requests[0]?.headers["x-api-key"]).toBe("k-123");
  });
});

describe("webhookHandler error classification", () => {
  it("makes a 500 retryable, with a short excerpt of the body", async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(500).end(`boom\n${"z".repeat(5000)}`), {
      path: "/hooks/amstaff",
    });
    const handler = webhookHandler({ url: `${receiver.url}?token=abc` });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("webhook")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toMatch(
      /^webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/amstaff answered HTTP 500: boom z+$/,
    );
    expect(error.message.length).toBeLessThan(700);
    expect(error.message).not.toContain("token=abc");
  });

  it("honours Retry-After in seconds on a 429", async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(429, { "retry-after": "3" }).end());
    const error = await deliveryFailure(
      webhookHandler({ url: receiver.url }).notify(sampleTransition(), notifyContext("webhook")),
    );
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(3000);
    expect(error.message).toContain("answered HTTP 429");
  });

  it("honours Retry-After as an HTTP date on a 503", async () => {
    const now = Date.parse("2026-11-24T01:00:00Z");
    const receiver = await startReceiver((_, res) =>
      res.writeHead(503, { "retry-after": new Date(now + 120_000).toUTCString() }).end(),
    );
    const handler = webhookHandler({ url: receiver.url }, { now: () => now });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("webhook")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(120_000);
  });

  it("makes 408 retryable", async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(408).end());
    const error = await deliveryFailure(
      webhookHandler({ url: receiver.url }).notify(sampleTransition(), notifyContext("webhook")),
    );
    expect(error.retryable).toBe(true);
  });

  it("makes a 400 final", async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(400).end('{"error":"bad payload"}'));
    const error = await deliveryFailure(
      webhookHandler({ url: receiver.url }).notify(sampleTransition(), notifyContext("webhook")),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('answered HTTP 400: {"error":"bad payload"}');
  });

  it("does not follow redirects and says so", async () => {
    const receiver = await startReceiver((_, res) =>
      res.writeHead(301, { location: "http://elsewhere/" }).end(),
    );
    const error = await deliveryFailure(
      webhookHandler({ url: receiver.url }).notify(sampleTransition(), notifyContext("webhook")),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("answered HTTP 301 (a redirect)");
  });

  it("makes a refused connection retryable with a clear message", async () => {
    const port = await closedPort();
    const handler = webhookHandler({ url: `http://127.0.0.1:${port}/hook` });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("webhook")));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `webhook http://127.0.0.1:${port}/hook failed: connection refused to 127.0.0.1:${port}`,
    );
  });

  it("gives up after the timeout when the receiver never answers, retryably", async () => {
    const receiver = await startReceiver(() => {});
    const handler = webhookHandler({ url: receiver.url, timeout: "300ms" });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("webhook")));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("did not answer within 300ms (timeout)");
    expect(receiver.requests).toHaveLength(1);
  });

  it("stops when the server aborts the attempt", async () => {
    const controller = new AbortController();
    const receiver = await startReceiver(() => {}, {
      onRequest: () => controller.abort(new Error("node shutting down")),
    });
    const handler = webhookHandler({ url: receiver.url, timeout: "1h" });
    const error = await deliveryFailure(
      handler.notify(sampleTransition(), notifyContext("webhook", { signal: controller.signal })),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("delivery aborted: node shutting down");
  });

  it("does not send at all when the signal is already aborted", async () => {
    const receiver = await startReceiver();
    const handler = webhookHandler({ url: receiver.url });
    const error = await deliveryFailure(
      handler.notify(sampleTransition(), notifyContext("webhook", { signal: AbortSignal.abort() })),
    );
    expect(error.message).toContain("delivery aborted");
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("webhookHandler options", () => {
  it.each([
    [{ url: "ftp://example.com/x" }, "url: an http:// or https:// URL"],
    [{ url: "not a url" }, "url: an http:// or https:// URL"],
    [{ url: "https://example.com", timeout: "10 seconds" }, "timeout:"],
    [{ url: "https://example.com", method: "GET" }, "method:"],
    [
      { url: "https://example.com", headers: { "Idempotency-Key": "x" } },
      "set by the webhook handler itself",
    ],
    [{ url: "https://example.com", headers: { "bad header": "x" } }, "a header name"],
    [{ url: "https://example.com", headers: { "x-a": "one\r\ntwo" } }, "without line breaks"],
    [{ url: "https://example.com", signingSecret: { $secret: "not a name" } }, "signingSecret"],
    [{ url: "https://example.com", retries: 3 }, "retries"],
  ])("rejects %j with AMS_ERR_PLUGIN_OPTIONS", (options, fragment) => {
    expect(() => webhookHandler(options as never)).toThrow(
      expect.objectContaining({ code: "AMS_ERR_PLUGIN_OPTIONS", message: expect.stringContaining(fragment) }),
    );
  });
});
