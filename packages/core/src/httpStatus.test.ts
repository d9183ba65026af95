import { describe, expect, it } from "vitest";
import { classifyHttpStatus, redactSecrets } from "./httpStatus.js";

describe("classifyHttpStatus", () => {
  it("retries timeouts, rate limits and server errors, and nothing else", () => {
    expect([200, 202, 204].map(classifyHttpStatus)).toEqual(["success", "success", "success"]);
    expect([408, 429, 500, 503].map(classifyHttpStatus)).toEqual(Array(4).fill("retryable"));
    expect([301, 400, 401, 403, 404, 413].map(classifyHttpStatus)).toEqual(Array(6).fill("permanent"));
  });
});

describe("redactSecrets", () => {
  it("hides every occurrence of each secret, not short values", () => {
    expect(redactSecrets("k=abcd1234 again abcd1234, id=ab", ["abcd1234", "ab", undefined])).toBe(
      "k=[redacted] again [redacted], id=ab",
    );
  });
});
