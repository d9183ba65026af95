import type { SampleResult } from "@amstaff/core";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Observations } from "./observations.js";

const result = (message: string, timestamp: number): SampleResult => ({
  status: "ok",
  message,
  durationMs: 1,
  timestamp,
});

describe("Observations", () => {
  it("keeps each monitor's latest result and writes only what changed, forgotten monitors included", () => {
    const db = new Database(":memory:");
    const observations = new Observations(db);
    const heard: string[] = [];
    observations.onRecord((module, monitor) => heard.push(`${module}/${monitor}`));
    observations.record("Shop", "Health", result("first", 1_000));
    observations.record("Shop", "Health", result("second", 2_000));
    observations.record("Shop", "Latency", result("slow", 2_500));
    const health = observations.get("Shop", "Health");
    expect([health?.lastResult, health?.lastRunAt]).toEqual([result("second", 2_000), 2_000]);
    expect(heard).toEqual(["Shop/Health", "Shop/Health", "Shop/Latency"]);
    observations.flush();
    const rows = () =>
      db.prepare("SELECT module, monitor, run_at FROM observations ORDER BY monitor").all() as unknown[];
    expect(rows()).toEqual([
      { module: "Shop", monitor: "Health", run_at: 2_000 },
      { module: "Shop", monitor: "Latency", run_at: 2_500 },
    ]);

    // Forgotten, then back within one flush: the row is the new one's; forgotten for good: no row.
    observations.forget("Shop", "Health");
    observations.record("Shop", "Health", result("back", 3_000));
    observations.forget("Shop", "Latency");
    expect(observations.get("Shop", "Latency")).toBeUndefined();
    observations.flush();
    expect(rows()).toEqual([{ module: "Shop", monitor: "Health", run_at: 3_000 }]);

    // A restart reads what was written.
    const restarted = new Observations(db);
    expect(restarted.get("Shop", "Health")?.lastResult.message).toBe("back");
    expect(restarted.get("Shop", "Latency")).toBeUndefined();

    // Rows written before are updated in place, after a restart too: still one row per monitor.
    restarted.record("Shop", "Health", result("again", 4_000));
    restarted.flush();
    restarted.record("Shop", "Health", result("and again", 5_000));
    restarted.flush();
    expect(rows()).toEqual([{ module: "Shop", monitor: "Health", run_at: 5_000 }]);
    expect(new Observations(db).get("Shop", "Health")?.lastResult.message).toBe("and again");
  });
});
