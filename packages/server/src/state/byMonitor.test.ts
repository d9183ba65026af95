import { describe, expect, it } from "vitest";
import { ByMonitor } from "./byMonitor.js";

describe("ByMonitor", () => {
  it("keeps a value per module and monitor, module by module, and drops a module with its last monitor", () => {
    const values = new ByMonitor<number>();
    values.set("Shop", "Health", 1);
    values.set("Blog", "Health", 2);
    values.set("Shop", "Latency", 3);
    values.set("Shop", "Health", 4);
    expect(values.size).toBe(3);
    expect(values.get("Shop", "Health")).toBe(4);
    expect(values.get("Blog", "Latency")).toBeUndefined();
    expect([...values.values()]).toEqual([4, 3, 2]);
    expect([...values.ofModule("Shop").keys()]).toEqual(["Health", "Latency"]);
    expect(values.delete("Blog", "Health")).toBe(2);
    expect(values.delete("Blog", "Health")).toBeUndefined();
    expect([...values.ofModule("Blog").keys()]).toEqual([]);
    expect(values.size).toBe(2);
    values.clear();
    expect(values.size).toBe(0);
    expect([...values.values()]).toEqual([]);
  });
});
