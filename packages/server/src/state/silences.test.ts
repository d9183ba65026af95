import type { Silence } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { SilenceBook } from "./silences.js";

const silence = (id: string, from: number, until: number): Silence => ({
  id,
  module: "User Service",
  scope: {},
  from,
  until,
  by: "alice",
  reason: "",
});

describe("SilenceBook", () => {
  it("forgets expired silences beyond the newest 100, never an active one", () => {
    const book = new SilenceBook();
    for (let i = 0; i < 120; i++) book.set(silence(`ended-${i}`, i, 1_000 + i));
    book.set(silence("active", 0, 10_000));
    book.prune(5_000);
    const kept = book.list().map((s) => s.id);
    expect(kept).toHaveLength(101);
    expect(kept).toContain("active");
    expect(kept).not.toContain("ended-19");
    expect(kept).toContain("ended-20");
    expect(book.list(5_000).map((s) => s.id)).toEqual(["active"]);
  });
});
