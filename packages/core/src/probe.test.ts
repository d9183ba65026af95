import { describe, expect, it } from "vitest";
import { runProbe } from "./probe.js";
import { results } from "./sampleResult.js";
import type { Sampler } from "./sampler.js";

const sampler = (probe: Sampler["probe"]): Sampler => ({ name: "target", tags: [], probe });

describe("runProbe", () => {
  it("returns the sampler's result", async () => {
    const result = await runProbe(
      sampler(async () => results.ok("fine", { value: 3 })),
      { timeoutMs: 1000 },
    );
    expect(result).toMatchObject({ status: "ok", message: "fine", value: 3 });
  });

  it("turns a hanging probe into unknown at the timeout and aborts its signal", async () => {
    let signal: AbortSignal | undefined;
    const result = await runProbe(
      sampler((context) => {
        signal = context?.signal;
        return new Promise(() => {});
      }),
      { timeoutMs: 50 },
    );
    expect(result.status).toBe("unknown");
    expect(result.message).toContain("no answer within 50 ms");
    expect(signal?.aborted).toBe(true);
  });

  it("turns a throw and a malformed result into unknown with the reason", async () => {
    const thrown = await runProbe(
      sampler(async () => {
        throw new Error("boom");
      }),
      { timeoutMs: 1000 },
    );
    expect(thrown).toMatchObject({ status: "unknown", message: "target: the sampler failed: boom" });
    const malformed = await runProbe(
      sampler(async () => ({ status: "great" }) as never),
      { timeoutMs: 1000 },
    );
    expect(malformed.status).toBe("unknown");
    expect(malformed.message).toContain("malformed result");
  });

  it("stops at once when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = runProbe(
      sampler(() => new Promise(() => {})),
      { timeoutMs: 60_000, signal: controller.signal },
    );
    controller.abort();
    expect((await pending).message).toBe("target: probe aborted");
  });
});
