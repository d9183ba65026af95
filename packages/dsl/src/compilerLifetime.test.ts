import { describe, expect, it, vi } from "vitest";
import { plugins } from "./__tests__/plugins.js";
import { compileModule, compilerResources, releaseCompiler } from "./compiler.js";

// A type error (`"1 minute"` is no Duration) and an evaluation that would pass: only the type-check
// thread finds this one, so the second compile proves the restarted thread checks as the first did.
const source = `import { amstaff, every } from "@amstaff/dsl";
import { probeIt } from "test-sampler";

export default amstaff("Shop", (m) => {
  m.monitor("Health", { sampler: probeIt({ url: "http://shop/health" }), timing: every("1 minute") });
});
`;

const held = () => {
  const { typeCheckThread, idleSandboxes } = compilerResources();
  return typeCheckThread || idleSandboxes > 0;
};

describe("the compiler's helpers between compiles", () => {
  it("are kept with releaseAfterMs: Infinity, released after a finite one, and started again by the next compile", {
    timeout: 120_000,
  }, async () => {
    const compile = (releaseAfterMs: number) =>
      compileModule(source, { filename: "shop.ts", plugins, releaseAfterMs });
    const first = await compile(Number.POSITIVE_INFINITY);
    expect(first).toMatchObject({ ok: false, errors: [{ file: "shop.ts", line: 5, code: "type" }] });
    // The evaluation that ran beside the check hands its process back to the pool a moment later.
    await vi.waitFor(() => expect(compilerResources().idleSandboxes).toBe(1), { timeout: 30_000 });
    expect(compilerResources().typeCheckThread).toBe(true);

    // A warm compile, then nothing is left once its idle period is over.
    expect(await compile(100)).toEqual(first);
    await vi.waitFor(() => expect(held()).toBe(false), { timeout: 30_000, interval: 20 });

    // Cold again: a new thread checks as the first did.
    expect(await compile(Number.POSITIVE_INFINITY)).toEqual(first);
    expect(compilerResources().typeCheckThread).toBe(true);
    await releaseCompiler();
    expect(compilerResources()).toEqual({ typeCheckThread: false, idleSandboxes: 0 });
  });

  it("refuses a releaseAfterMs that is not a number of ms", async () => {
    await expect(compileModule(source, { plugins, releaseAfterMs: -1 })).rejects.toMatchObject({
      code: "AMS_ERR_REQUEST_INVALID",
    });
  });
});
