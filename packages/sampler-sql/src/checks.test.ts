import { describe, expect, it } from "vitest";
import { judge, shortSql, toNumber } from "./checks.js";
import { sqlSamplerOptionsSchema } from "./options.js";

const options = (extra: Record<string, unknown>) =>
  sqlSamplerOptionsSchema.parse({ url: "postgres://db/x", query: "SELECT x FROM t", ...extra });
const outcome = (firstRow: unknown[] | undefined, rowCount = firstRow ? 1 : 0) => ({
  columns: ["x"],
  rowCount,
  firstRow,
});

describe("judge", () => {
  it("reports the worst finding when several checks fail", () => {
    const verdict = judge(outcome([7], 12), options({ warning: 5, rows: { critical: 10 } }));
    expect(verdict.status).toBe("critical");
    expect(verdict.message).toBe("12 rows is above the critical threshold 10 (SELECT x FROM t)");
    expect(verdict.value).toBe(7);
  });

  it("compares numbers whatever type the driver returned", () => {
    expect(judge(outcome(["42"]), options({ equals: 42 })).status).toBe("ok");
    expect(judge(outcome([42n]), options({ equals: 42 })).status).toBe("ok");
    expect(judge(outcome([1]), options({ equals: true })).status).toBe("ok");
    expect(judge(outcome([null]), options({ equals: null })).status).toBe("ok");
    expect(
      judge(outcome([new Date("2026-01-01T00:00:00Z")]), options({ equals: "2026-01-01T00:00:00.000Z" }))
        .status,
    ).toBe("ok");
    expect(judge(outcome([null]), options({ critical: 1 })).message).toBe(
      "value NULL is not a number, so it cannot be compared with thresholds (SELECT x FROM t)",
    );
  });

  it("shows bytes as a size, never their content", () => {
    const verdict = judge(outcome([new Uint8Array([1, 2, 3])]), options({}));
    expect(verdict.message).toBe('value "<3 bytes>" (SELECT x FROM t)');
  });
});

describe("helpers", () => {
  it("shortSql collapses whitespace and truncates", () => {
    expect(shortSql("SELECT\n  1\n\tFROM t")).toBe("SELECT 1 FROM t");
    expect(shortSql("x".repeat(100))).toHaveLength(80);
  });

  it("toNumber accepts numeric text only", () => {
    expect(toNumber("1e3")).toBe(1000);
    expect(toNumber("-0.5")).toBe(-0.5);
    expect(toNumber("12abc")).toBeUndefined();
    expect(toNumber("")).toBeUndefined();
    expect(toNumber(" 42. ")).toBe(42);
    expect(toNumber(".5e-1")).toBe(0.05);
    expect(toNumber("1.2.3")).toBeUndefined();
  });

  it("toNumber decides long text a query returns in linear time", () => {
    // A query decides the text: `SELECT repeat('1', 200000) || 'x'` backtracked quadratically before.
    expect(toNumber(`${"1".repeat(200_000)}x`)).toBeUndefined();
    expect(toNumber(`1.${"1".repeat(200_000)}x`)).toBeUndefined();
    expect(toNumber(`${" ".repeat(100_000)}7${" ".repeat(100_000)}`)).toBe(7);
    expect(toNumber("9".repeat(400))).toBe(Number("9".repeat(400)));
  });
});
