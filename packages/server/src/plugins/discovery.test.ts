import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { discoverPlugins, pluginPackagePattern } from "./discovery.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakePackage(root: string, name: string, main: string) {
  const dir = join(root, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version: "1.2.3", type: "module", exports: { ".": "./index.js" } }),
  );
  writeFileSync(join(dir, "index.js"), main);
}

const descriptor = (id: string) => `export const amstaffPlugin = {
  kind: "sampler", id: "${id}", package: "${id}", description: "test", builders: {},
  options: { safeParse: (v) => ({ success: true, data: v }) },
  create: () => ({ name: "x", tags: [], probe: async () => ({ status: "ok", message: "", durationMs: 0, timestamp: 0 }) }),
};`;

describe("discoverPlugins", () => {
  it("follows the naming convention", () => {
    const good = [
      "@amstaff/sampler-sql",
      "@amstaff/handler-slack",
      "amstaff-sampler-redis",
      "@acme/amstaff-handler-pager",
    ];
    const bad = [
      "@amstaff/core",
      "@amstaff/server",
      "amstaff",
      "sampler-redis",
      "@acme/sampler-redis",
      "amstaff-sampler-",
    ];
    expect(good.filter((n) => pluginPackagePattern.test(n))).toEqual(good);
    expect(bad.filter((n) => pluginPackagePattern.test(n))).toEqual([]);
  });

  it("loads every conventional package that exports amstaffPlugin, reports the broken ones, ignores the rest", async () => {
    const root = mkdtempSync(join(tmpdir(), "amstaff-discovery-"));
    dirs.push(root);
    fakePackage(root, "amstaff-sampler-redis", descriptor("amstaff-sampler-redis"));
    fakePackage(
      root,
      "@acme/amstaff-handler-pager",
      descriptor("acme-pager").replace('kind: "sampler"', 'kind: "handler"'),
    );
    fakePackage(root, "amstaff-sampler-empty", "export const nothing = 1;");
    fakePackage(root, "amstaff-handler-throws", 'throw new Error("boom at import");');
    fakePackage(root, "left-pad", descriptor("left-pad"));

    const { plugins, problems } = await discoverPlugins([join(root, "project")]);
    expect(plugins.map((p) => [p.package, p.descriptor.id, p.descriptor.kind, p.version]).sort()).toEqual([
      ["@acme/amstaff-handler-pager", "acme-pager", "handler", "1.2.3"],
      ["amstaff-sampler-redis", "amstaff-sampler-redis", "sampler", "1.2.3"],
    ]);
    expect(problems.map((p) => [p.package, p.reason]).sort()).toEqual([
      ["amstaff-handler-throws", "boom at import"],
      [
        "amstaff-sampler-empty",
        "its main entry does not export `amstaffPlugin` (a sampler or handler plugin descriptor)",
      ],
    ]);
  });

  it("loads a plugin with a well-formed integration and reports one whose integration is malformed", async () => {
    const root = mkdtempSync(join(tmpdir(), "amstaff-discovery-"));
    dirs.push(root);
    const withIntegration = (id: string, integration: string) =>
      descriptor(id).replace("create:", `integration: ${integration},\n  create:`);
    fakePackage(
      root,
      "amstaff-handler-beacon",
      withIntegration(
        "amstaff-handler-beacon",
        '{ path: "beacon", settings: { shape: {} }, routes: () => ({ routes: [] }) }',
      ),
    );
    fakePackage(
      root,
      "amstaff-handler-odd",
      withIntegration("amstaff-handler-odd", '{ path: "odd", routes: [] }'),
    );

    const { plugins, problems } = await discoverPlugins([join(root, "project")]);
    expect(plugins.map((p) => p.descriptor.id)).toEqual(["amstaff-handler-beacon"]);
    expect(problems.map((p) => p.package)).toEqual(["amstaff-handler-odd"]);
  });
});
