import { defineSamplerPlugin, type PluginHost, results } from "@amstaff/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileModule } from "./compiler.js";

/** A sampler that reads a file, and asks the host whether it may. */
const fileSampler = defineSamplerPlugin({
  kind: "sampler",
  id: "file-sampler",
  package: "file-sampler",
  description: "reads a file",
  options: z.strictObject({ path: z.string() }),
  builders: { readFile: (path: string) => ({ plugin: "file-sampler", options: { path } }) },
  check: (options, host) => {
    const resolved = host.files.resolve(options.path);
    return resolved.ok ? [] : [`cannot read ${options.path}: ${resolved.reason}`];
  },
  create: (_options, { name, tags }) => ({ name, tags, probe: async () => results.ok("fine") }),
});

const host: PluginHost = {
  files: {
    resolve: (path) =>
      path.startsWith("/srv/")
        ? { ok: true, path }
        : { ok: false, reason: "not under an allowed root; start the server with --sqlite-root" },
  },
};

const source = `import { amstaff, every } from "@amstaff/dsl";
import { readFile } from "file-sampler";

export default amstaff("Files", (m) => {
  m.monitor("allowed", { sampler: readFile("/srv/ok.db"), timing: every("1m") });
  m.monitor("refused", {
    sampler: readFile("/etc/shadow"),
    timing: every("1m"),
  });
});
`;

describe("a plugin's check hook", () => {
  it("refuses the module at the builder's call with each problem the host reports", async () => {
    const result = await compileModule(source, { plugins: [fileSampler], host, typeCheck: false });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject([
      {
        line: 7,
        column: 14,
        code: "validation",
        message:
          "readFile(): cannot read /etc/shadow: not under an allowed root; start the server with --sqlite-root",
      },
    ]);
  });

  it("is not called without a host (amstaff check, library use)", async () => {
    const result = await compileModule(source, { plugins: [fileSampler], typeCheck: false });
    expect(result.ok).toBe(true);
  });

  it("reports a hook that throws as a problem of the plugin, not a crash", async () => {
    const throwing = {
      ...fileSampler,
      check: () => {
        throw new Error("boom");
      },
    };
    const result = await compileModule(source, { plugins: [throwing], host, typeCheck: false });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.message).toBe(
      "readFile(): file-sampler could not check its options (boom); report this to the plugin's authors",
    );
  });
});
