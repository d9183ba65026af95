import { describe, expect, it } from "vitest";
import { maxRetryAfterMs, parseRetryAfter } from "./retryAfter.js";

const now = Date.parse("2026-11-24T01:00:00Z");

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("Tue, 24 Nov 2026 01:00:30 GMT", now)).toBe(30_000);
  });

  it("reads seconds, as Slack sends them, and HTTP dates", () => {
    expect(parseRetryAfter("30", now)).toBe(30_000);
    expect(parseRetryAfter(7, now)).toBe(7000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 01:00:10 GMT", now)).toBe(10_000);
  });

  it("caps long waits and floors past dates", () => {
    expect(parseRetryAfter("86400", now)).toBe(maxRetryAfterMs);
    expect(parseRetryAfter("Tue, 24 Nov 2026 00:59:00 GMT", now)).toBe(0);
  });

  it("caps long waits and ignores what it cannot read", () => {
    expect(parseRetryAfter("999999", now)).toBe(maxRetryAfterMs);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
  });
});
