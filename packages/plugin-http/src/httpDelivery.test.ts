import { parseDuration } from "@amstaff/core";
import { closedPort, closeReceivers, deliveryFailure, startReceiver } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { HttpDelivery } from "./httpDelivery.js";

afterEach(closeReceivers);

const token = "tok-12345678";

function deliveryTo(timeout = "2s") {
  return new HttpDelivery({
    label: "demo http://127.0.0.1",
    secrets: [token],
    details: { target: "demo" },
    timeout,
    timeoutMs: parseDuration(timeout),
    now: () => Date.parse("2026-12-06T08:00:00Z"),
  });
}

const wording = {
  service: "Demo",
  rateLimited: "Demo is rate-limiting this client",
  advice: () => "Demo refused the message",
};

const post = (url: string) => ({ url, method: "POST" as const, headers: {}, body: "{}" });
const signal = () => new AbortController().signal;

describe("HttpDelivery", () => {
  it("returns an answer with its JSON body, whatever its status", async () => {
    const receiver = await startReceiver((_, res) => res.writeHead(400).end('{"error":"bad"}'));
    const answer = await deliveryTo().send(post(receiver.url), "posting", signal());
    expect(answer).toMatchObject({ status: 400, body: { error: "bad" }, text: '{"error":"bad"}' });
  });

  it("words a 429 as retryable with Retry-After, a 400 as permanent, and redacts secrets", async () => {
    const http = deliveryTo();
    const limited = await startReceiver((_, res) => res.writeHead(429, { "retry-after": "7" }).end());
    const answer = await http.send(post(limited.url), "posting", signal());
    const error = http.refusal(answer, "posting", { ...wording, said: "" });
    expect(error.message).toBe(
      "demo http://127.0.0.1: posting: Demo is rate-limiting this client (HTTP 429); will retry",
    );
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
      details: { target: "demo", status: 429 },
    });

    const refused = await startReceiver((_, res) => res.writeHead(400).end(`bad token ${token}`));
    const bad = await http.send(post(refused.url), "posting", signal());
    const permanent = http.refusal(bad, "posting", { ...wording, said: bad.text });
    expect(permanent.message).toBe(
      "demo http://127.0.0.1: posting: Demo refused the message (HTTP 400: bad token [redacted]) (permanent, not retried)",
    );
    expect(permanent.retryable).toBe(false);
  });

  it("fails retryably on a refused connection, a timeout and an abort", async () => {
    const port = await closedPort();
    const refused = await deliveryFailure(
      deliveryTo().send(post(`http://127.0.0.1:${port}/`), "posting", signal()),
    );
    expect(refused.message).toBe(
      `demo http://127.0.0.1: posting: connection refused to 127.0.0.1:${port}; will retry`,
    );

    const silent = await startReceiver(() => {});
    const slow = await deliveryFailure(deliveryTo("200ms").send(post(silent.url), "posting", signal()));
    expect(slow.message).toBe("demo http://127.0.0.1: posting: no answer within 200ms (timeout)");

    const aborted = await deliveryFailure(
      deliveryTo().send(post(silent.url), "posting", AbortSignal.abort(new Error("shutting down"))),
    );
    expect(aborted.message).toBe("demo http://127.0.0.1: posting: aborted (shutting down)");
    expect([refused.retryable, slow.retryable, aborted.retryable]).toEqual([true, true, true]);
  });
});
