import { describe, expect, it } from "vitest";
import { ProbeController, probeDeadline, runProbe } from "./probe.js";
import { results, sampleResultSchema } from "./sampleResult.js";
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

  it("hands the sampler the caller's controller, which the caller and the timeout both abort", async () => {
    const hang = (seen: AbortSignal[]) =>
      sampler((context) => {
        if (context) seen.push(context.signal);
        return new Promise(() => {});
      });
    const seen: AbortSignal[] = [];
    const controller = new AbortController();
    const pending = runProbe(hang(seen), { timeoutMs: 10_000, controller });
    expect(seen[0]).toBe(controller.signal);
    controller.abort(new Error("monitor removed"));
    expect(await pending).toMatchObject({ status: "unknown", message: "target: probe aborted" });

    const timed = new AbortController();
    const result = await runProbe(hang(seen), { timeoutMs: 20, controller: timed });
    expect(result.message).toContain("no answer within 20 ms");
    expect(timed.signal.aborted).toBe(true);
  });

  it("hands the sampler a ProbeController itself, which the caller and the timeout both abort", async () => {
    const contexts: unknown[] = [];
    const hang = sampler((context) => {
      contexts.push(context);
      return new Promise(() => {});
    });
    const controller = new ProbeController();
    const pending = runProbe(hang, { timeoutMs: 10_000, controller });
    expect(contexts[0]).toBe(controller);
    controller.abort(new Error("monitor removed"));
    expect(await pending).toMatchObject({ status: "unknown", message: "target: probe aborted" });
    expect(controller.signal.reason).toEqual(new Error("monitor removed"));

    const timed = new ProbeController();
    const { signal } = timed;
    const result = await runProbe(hang, { timeoutMs: 20, controller: timed });
    expect(result.message).toContain("no answer within 20 ms");
    expect(timed.aborted).toBe(true);
    expect(signal.aborted).toBe(true);

    let probed = false;
    const aborted = new ProbeController();
    aborted.abort();
    const early = await runProbe(
      sampler(async () => {
        probed = true;
        return results.ok("fine");
      }),
      { timeoutMs: 1000, controller: aborted },
    );
    expect(early.message).toBe("target: probe aborted");
    expect(probed).toBe(false);
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

  it("returns a well-formed result exactly as the schema would, unknown keys dropped", async () => {
    const returned = {
      extra: "dropped",
      timestamp: 1_700_000_000_000,
      durationMs: 12.5,
      message: "fine",
      status: "warning",
      value: undefined,
      details: { code: 200, tags: ["a", null, { nested: true }] },
    };
    const result = await runProbe(
      sampler(async () => returned as never),
      { timeoutMs: 1000 },
    );
    const parsed = sampleResultSchema.parse(returned);
    expect(result).toStrictEqual(parsed);
    expect(Object.keys(result)).toEqual(Object.keys(parsed));
  });

  it("gives the schema's reason for every kind of malformed result", async () => {
    const base = { status: "ok", message: "m", durationMs: 1, timestamp: 1 };
    const cases = [
      null,
      { ...base, value: Number.NaN },
      { ...base, durationMs: -1 },
      { ...base, durationMs: Number.POSITIVE_INFINITY },
      { ...base, timestamp: 1.5 },
      { ...base, message: 3 },
      { ...base, details: { when: new Date(0) } },
      { ...base, details: { deep: [Number.NaN] } },
    ];
    for (const returned of cases) {
      const result = await runProbe(
        sampler(async () => returned as never),
        { timeoutMs: 1000 },
      );
      const parsed = sampleResultSchema.safeParse(returned);
      expect(parsed.success).toBe(false);
      expect(result.status).toBe("unknown");
      expect(result.message).toMatch(/^target: the sampler returned a malformed result \(.+\)$/);
    }
  });

  it("accepts details nested deeper than the fast check looks, as the schema does", async () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 40; i++) deep = { inner: deep };
    const result = await runProbe(
      sampler(async () => ({ ...results.ok("fine"), details: { deep } }) as never),
      { timeoutMs: 1000 },
    );
    expect(result.status).toBe("ok");
  });

  it("turns a synchronous throw into unknown, and does not probe once the caller has aborted", async () => {
    const thrown = await runProbe(
      {
        name: "target",
        tags: [],
        probe: () => {
          throw new Error("sync boom");
        },
      },
      { timeoutMs: 1000 },
    );
    expect(thrown).toMatchObject({ status: "unknown", message: "target: the sampler failed: sync boom" });
    let probed = false;
    const aborted = await runProbe(
      sampler(async () => {
        probed = true;
        return results.ok("fine");
      }),
      { timeoutMs: 1000, signal: AbortSignal.abort() },
    );
    expect(aborted.message).toBe("target: probe aborted");
    expect(probed).toBe(false);
  });
});

describe("probeDeadline", () => {
  it("calls the abort function it is given at the time limit, or at once when it passed already", async () => {
    const deadline = probeDeadline(20, undefined, "no answer within 20 ms");
    const reasons: unknown[] = [];
    deadline.onAbort((reason) => reasons.push(reason));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadline.timedOut).toBe(true);
    expect(reasons).toEqual([new Error("no answer within 20 ms")]);
    // A signal read afterwards is aborted already; a function given afterwards is called at once.
    expect(deadline.signal.aborted).toBe(true);
    deadline.onAbort((reason) => reasons.push(reason));
    expect(reasons).toHaveLength(2);
    deadline.dispose();
  });

  it("follows the caller's abort, with its reason, and stops listening once disposed", () => {
    const caller = new AbortController();
    const deadline = probeDeadline(10_000, caller.signal, "late");
    const reasons: unknown[] = [];
    deadline.onAbort((reason) => reasons.push(reason));
    const { signal } = deadline;
    caller.abort("shutdown");
    expect(reasons).toEqual(["shutdown"]);
    expect(signal.reason).toBe("shutdown");
    expect(deadline.timedOut).toBe(false);
    deadline.dispose();

    const later = new AbortController();
    const disposed = probeDeadline(10_000, later.signal, "late");
    const calls: unknown[] = [];
    disposed.onAbort((reason) => calls.push(reason));
    disposed.dispose();
    later.abort("gone");
    expect(calls).toEqual([]);
  });

  it("follows a ProbeController given as the context, and stops following it once disposed", async () => {
    const controller = new ProbeController();
    const deadline = probeDeadline(10_000, controller, "late");
    const disposed = probeDeadline(10_000, controller, "late");
    const reasons: unknown[] = [];
    deadline.onAbort((reason) => reasons.push(reason));
    disposed.onAbort((reason) => reasons.push(["disposed", reason]));
    disposed.dispose();
    controller.abort("shutdown");
    expect(reasons).toEqual(["shutdown"]);
    expect(deadline.signal.reason).toBe("shutdown");
    expect(deadline.timedOut).toBe(false);
    deadline.dispose();

    // A deadline made after the abort is aborted at once; one from a plain context follows its signal.
    const late = probeDeadline(10_000, controller, "late");
    expect(late.signal.aborted).toBe(true);
    late.dispose();
    const caller = new AbortController();
    const plain = probeDeadline(10_000, { signal: caller.signal }, "late");
    caller.abort("bye");
    expect(plain.signal.reason).toBe("bye");
    plain.dispose();
  });
});
