import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileModule, formatCompileErrors } from "@amstaff/dsl/compiler";
import { describe, expect, it } from "vitest";
import { builtinPlugins } from "../src/plugins.js";

const examples = fileURLToPath(new URL("../../../examples/", import.meta.url));
const files = readdirSync(examples).filter((f) => f.endsWith(".ts"));

describe("examples/", () => {
  it("has module files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s compiles with the server's plugins", async (file) => {
    const result = await compileModule(readFileSync(`${examples}${file}`, "utf8"), {
      filename: file,
      plugins: builtinPlugins,
    });
    if (!result.ok) throw new Error(formatCompileErrors(result.errors));
    expect(result.definition.monitors.length).toBeGreaterThan(0);
  });
});
