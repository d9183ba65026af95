import { AmstaffError } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { put } from "../__tests__/fixtures.js";
import { StateMachine } from "./stateMachine.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("StateMachine.restore", () => {
  it("refuses bytes that are not a snapshot it can read with AMS_ERR_STATE_CORRUPT, and keeps its state", () => {
    const machine = new StateMachine();
    machine.apply(put(), 1);
    const before = machine.snapshot();
    for (const snapshot of [bytes("{not json"), bytes(JSON.stringify({ format: 3 }))]) {
      expect(() => machine.restore(snapshot)).toThrow(AmstaffError);
      expect(() => machine.restore(snapshot)).toThrow(
        expect.objectContaining({ code: "AMS_ERR_STATE_CORRUPT" }),
      );
    }
    expect(machine.snapshot()).toEqual(before);
  });

  it("reads a format 1 snapshot, written by an earlier version, and writes format 2", () => {
    const original = new StateMachine();
    original.apply(put(), 1);
    const format1 = { ...JSON.parse(new TextDecoder().decode(original.snapshot())), format: 1 };
    const restored = new StateMachine();
    restored.restore(bytes(JSON.stringify(format1)));
    expect(restored.snapshot()).toEqual(original.snapshot());
  });
});
