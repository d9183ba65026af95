import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseHeapGrowth } from "./heapGrowth.js";

describe("--heap-growth", () => {
  it("is unset by default, and takes whole percents within its range", () => {
    expect(parseHeapGrowth(undefined)).toBeUndefined();
    expect(parseHeapGrowth("")).toBeUndefined();
    expect(parseHeapGrowth("50")).toBe(50);
    expect(parseHeapGrowth("10")).toBe(10);
    expect(parseHeapGrowth("300")).toBe(300);
  });

  it("refuses anything else, naming the setting and the range", () => {
    for (const bad of ["0", "9", "301", "1.5", "-20", "fifty", "50%", "1e2"])
      expect(() => parseHeapGrowth(bad)).toThrow(/--heap-growth \(AMSTAFF_HEAP_GROWTH_PERCENT\).*10 to 300/);
  });

  it("is a flag of this Node's V8, which Node refuses in NODE_OPTIONS (hence set at run time)", () => {
    expect(spawnSync(process.execPath, ["--heap-growing-percent=50", "-e", "1"]).status).toBe(0);
    expect(spawnSync(process.execPath, ["--heap-growing-percentage=50", "-e", "1"]).status).not.toBe(0);
    const refused = spawnSync(process.execPath, ["-e", "1"], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "--heap-growing-percent=50" },
    });
    expect(refused.stderr).toMatch(/not allowed in NODE_OPTIONS/);
  });
});
