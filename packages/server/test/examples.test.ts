import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createCompiler, formatCompileErrors } from "@amstaff/dsl/compiler";
import { describe, expect, it } from "vitest";
import { serverPackageDir } from "../src/plugins/discovery.js";
import { builtinPlugins } from "../src/plugins/plugins.js";

const examples = fileURLToPath(new URL("../../../examples/", import.meta.url));
// Module files: the top level and policies/, not the offline alert tests beside them.
const files = [
  ...readdirSync(examples).filter((f) => f.endsWith(".ts")),
  ...readdirSync(`${examples}policies`)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => `policies/${f}`),
];
// As the server compiles them: type-checked against the declarations installed beside the server.
const compiler = createCompiler({ plugins: builtinPlugins, resolveFrom: serverPackageDir });

describe("examples/", () => {
  it("has module files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s compiles with the server's plugins", { timeout: 60_000 }, async (file) => {
    const result = await compiler.compile(readFileSync(`${examples}${file}`, "utf8"), { filename: file });
    if (!result.ok) throw new Error(formatCompileErrors(result.errors));
    expect(result.definition.monitors.length).toBeGreaterThan(0);
  });
});
