import { describe, expect, it } from "vitest";
import { definition, put, transition } from "../__tests__/fixtures.js";
import { StateMachine } from "./stateMachine.js";

describe("monitors across pushes", () => {
  it("a re-push, a transition and a delete see their own module's current revision, also after a restore", () => {
    const machine = new StateMachine();
    expect(machine.apply(put(), 1)).toMatchObject({ ok: true });
    expect(machine.apply(put(definition("Billing", ["Health"])), 2)).toMatchObject({ ok: true });
    expect(machine.apply(transition(1, "pending", "critical"), 3)).toMatchObject({ ok: true });
    const copy = new StateMachine();
    copy.restore(machine.snapshot());

    expect(copy.apply(put(definition("User Service", ["Health", "New"])), 4)).toMatchObject({ ok: true });
    expect(copy.monitor("User Service", "Health")?.status).toBe("critical");
    expect(copy.monitor("User Service", "Latency")).toBeUndefined();
    expect(copy.monitor("User Service", "New")?.status).toBe("pending");
    expect(copy.monitor("Billing", "Health")?.status).toBe("pending");
    // The removed monitor is unknown to the new revision; the added one is known.
    expect(copy.apply(transition(4, "pending", "critical", "Latency"), 5)).toMatchObject({
      ok: false,
      reason: 'unknown monitor "Latency"',
    });
    expect(copy.apply(transition(4, "pending", "ok", "New"), 6)).toMatchObject({ ok: true });

    expect(copy.apply({ type: "module.delete", name: "Billing", at: 7 }, 7)).toMatchObject({ ok: true });
    expect(copy.monitor("Billing", "Health")).toBeUndefined();
    expect(copy.monitor("User Service", "Health")?.status).toBe("critical");
    // A module pushed again under a deleted name starts afresh.
    expect(copy.apply(put(definition("Billing", ["Health"])), 8)).toMatchObject({ ok: true });
    expect(copy.monitor("Billing", "Health")?.status).toBe("pending");
  });
});
