import { describe, expect, it } from "vitest";
import { addressDomain, messageIdFor } from "./messageId.js";

describe("messageIdFor", () => {
  it("is stable for a key and escapes what a Message-ID cannot hold", () => {
    const id = messageIdFor("tr-0001:email:0", "Amstaff <alerts@Example.com>");
    expect(id).toBe("<amstaff.tr-0001=3Aemail=3A0@example.com>");
    expect(messageIdFor("tr-0001:email:0", "alerts@example.com")).toBe(id);
  });

  it("never maps two keys to the same id", () => {
    const keys = ["a:b", "a=3Ab", "a.b", "a b", "a/b", "é", "a=b"];
    const ids = keys.map((key) => messageIdFor(key, "x@example.com"));
    expect(new Set(ids).size).toBe(keys.length);
    for (const id of ids) expect(id).toMatch(/^<amstaff\.[A-Za-z0-9_=-]+@example\.com>$/);
  });

  it("hashes very long keys and falls back to a reserved domain", () => {
    expect(messageIdFor("k".repeat(500), "alerts")).toMatch(/^<amstaff\.h[0-9a-f]{64}@amstaff\.invalid>$/);
    expect(addressDomain("On call <oncall@ops.example.com>")).toBe("ops.example.com");
    expect(addressDomain("no address")).toBeUndefined();
  });
});
