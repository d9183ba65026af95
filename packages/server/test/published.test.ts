import { describe, expect, it } from "vitest";
import { publishCheck } from "../../../scripts/publishCheck.ts";

// The packages as a newcomer gets them from a registry, not as the workspace links them: packed,
// published to a local verdaccio, installed in empty folders with an empty HOME (scripts/publishCheck.ts).
describe("the packages as published", () => {
  it("npx amstaff-server answers /health, npx amstaff checks and pushes a module, the HTTP sampler probes alone", {
    timeout: 900_000,
  }, async () => {
    const lines: string[] = [];
    const { packages, steps } = await publishCheck({ log: (line) => lines.push(line) });
    expect(packages).toEqual(
      expect.arrayContaining(["amstaff-server", "amstaff", "@amstaff/server", "@amstaff/dsl"]),
    );
    expect(steps.map((s) => s.step)).toContain("a five-line script probes the target");
    process.stderr.write(`${lines.join("\n")}\n`);
  });
});
