import { describe, expect, it } from "vitest";
import { jsonEquals, lookupJsonPath } from "./jsonPath.js";

describe("lookupJsonPath", () => {
  const document = { a: { b: [{ c: 1 }, null] }, "0": "zero", list: [10, 20] };

  it("follows fields and array indexes", () => {
    expect(lookupJsonPath(document, "a.b.0.c")).toEqual({ found: true, value: 1 });
    expect(lookupJsonPath(document, "a.b.1")).toEqual({ found: true, value: null });
    expect(lookupJsonPath(document, "0")).toEqual({ found: true, value: "zero" });
    expect(lookupJsonPath(document, "list.1")).toEqual({ found: true, value: 20 });
  });

  it("names the first missing segment", () => {
    expect(lookupJsonPath(document, "a.x.y")).toEqual({ found: false, missingAt: "a.x" });
    expect(lookupJsonPath(document, "list.2")).toEqual({ found: false, missingAt: "list.2" });
    expect(lookupJsonPath(document, "list.length")).toEqual({ found: false, missingAt: "list.length" });
    expect(lookupJsonPath(document, "a.toString")).toEqual({ found: false, missingAt: "a.toString" });
  });
});

describe("jsonEquals", () => {
  it("compares by content, ignoring field order", () => {
    expect(jsonEquals({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals("1", 1)).toBe(false);
    expect(jsonEquals(null, {})).toBe(false);
  });
});
