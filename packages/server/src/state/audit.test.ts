import { describe, expect, it } from "vitest";
import { AuditLog, auditEntriesKept } from "./audit.js";

describe("AuditLog", () => {
  it("keeps the newest entries, and exactly the newest auditEntriesKept in a snapshot", () => {
    const log = new AuditLog();
    const total = auditEntriesKept + 150;
    for (let index = 1; index <= total; index++) {
      log.record(index, index, "module.push", { name: "ci" }, { target: "User Service", teams: ["default"] });
    }
    const kept = log.kept();
    expect(kept).toHaveLength(auditEntriesKept);
    expect(kept.at(-1)?.index).toBe(total);
    expect(kept[0]?.index).toBe(total - auditEntriesKept + 1);
    expect(log.entries({ limit: 2 }).map((e) => e.index)).toEqual([total, total - 1]);
  });

  it("reads an unknown actor as `unknown` and leaves out a note's absent fields", () => {
    const log = new AuditLog();
    log.record(7, 70, "module.delete", undefined, { target: undefined, teams: [], detail: undefined });
    expect(log.entries()).toEqual([
      { index: 7, at: 70, action: "module.delete", teams: [], actor: { name: "unknown" } },
    ]);
    expect(Object.keys(log.entries()[0]!)).toEqual(["index", "at", "action", "teams", "actor"]);
  });
});
