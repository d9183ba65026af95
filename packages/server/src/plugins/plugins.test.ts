import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defineHandlerPlugin,
  defineSamplerPlugin,
  results,
  runProbe,
  stringOrSecret,
  type Transition,
} from "@amstaff/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { SecretStore } from "../access/secretStore.js";
import { PluginRegistry } from "./plugins.js";

/** What the test plugins were built with, and which instances were disposed. */
const built: { key: string; disposed: boolean }[] = [];

const samplerPlugin = defineSamplerPlugin({
  kind: "sampler",
  id: "keyed-sampler",
  package: "keyed-sampler",
  description: "reports the key it was built with",
  options: z.object({ key: stringOrSecret }),
  builders: {},
  create: (options, context) => {
    const instance = { key: options.key as string, disposed: false };
    built.push(instance);
    return {
      name: context.name,
      tags: context.tags,
      probe: async () => results.ok(`built with a key of ${instance.key.length} characters`),
      dispose: () => {
        instance.disposed = true;
      },
    };
  },
});

const sent: string[] = [];
const handlerPlugin = defineHandlerPlugin({
  kind: "handler",
  id: "keyed-handler",
  package: "keyed-handler",
  description: "records the key it notifies with",
  options: z.object({ key: stringOrSecret }),
  builders: {},
  create: (options) => ({
    name: "keyed",
    notify: async () => {
      sent.push(options.key as string);
    },
  }),
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "amstaff-registry-"));
  built.length = 0;
  sent.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function grant(grants: unknown, at: number): void {
  const file = join(dir, "grants.json");
  writeFileSync(file, JSON.stringify(grants));
  utimesSync(file, at, at);
}

const transition = {
  module: "User Service",
  monitor: "Health",
  from: "ok",
  to: "critical",
} as unknown as Transition;
const notifyContext = { signal: new AbortController().signal, idempotencyKey: "k", attempt: 1 };

describe("PluginRegistry", () => {
  it("resolves a sampler's secrets through the store at every probe: rotation rebuilds it, a revoked grant fails the probe", async () => {
    writeFileSync(join(dir, "API_KEY"), "first-key-value\n");
    grant({ API_KEY: { modules: ["User Service"] } }, 1_000);
    const registry = new PluginRegistry([samplerPlugin], new SecretStore({ env: {}, dir }));
    const sampler = registry.createSampler(
      { plugin: "keyed-sampler", options: { key: { $secret: "API_KEY" } } },
      { name: "Health", tags: [] },
      { module: "User Service", team: undefined },
    );
    expect((await runProbe(sampler, { timeoutMs: 5_000 })).status).toBe("ok");
    expect(built).toEqual([{ key: "first-key-value", disposed: false }]);
    await runProbe(sampler, { timeoutMs: 5_000 });
    expect(built).toHaveLength(1);

    writeFileSync(join(dir, "API_KEY"), "second-key-value\n");
    await runProbe(sampler, { timeoutMs: 5_000 });
    await new Promise((r) => setImmediate(r));
    expect(built).toEqual([
      { key: "first-key-value", disposed: true },
      { key: "second-key-value", disposed: false },
    ]);

    grant({ API_KEY: { modules: ["Someone Else"] } }, 2_000);
    const revoked = await runProbe(sampler, { timeoutMs: 5_000 });
    expect(revoked.status).toBe("unknown");
    expect(revoked.message).toContain('secret("API_KEY") is not granted to module "User Service"');
    expect(revoked.message).toContain("AMS_ERR_SECRET_NOT_GRANTED");
    expect(revoked.message).not.toContain("key-value");
  });

  it("builds a module's sampler even before its secret is granted, and probes it once granted", async () => {
    writeFileSync(join(dir, "API_KEY"), "the-key-value");
    grant({}, 1_000);
    const registry = new PluginRegistry([samplerPlugin], new SecretStore({ env: {}, dir }));
    const sampler = registry.createSampler(
      { plugin: "keyed-sampler", options: { key: { $secret: "API_KEY" } } },
      { name: "Health", tags: [] },
      { module: "User Service" },
    );
    expect((await runProbe(sampler, { timeoutMs: 5_000 })).status).toBe("unknown");
    grant({ API_KEY: { modules: ["User *"] } }, 2_000);
    expect((await runProbe(sampler, { timeoutMs: 5_000 })).status).toBe("ok");
  });

  it("resolves a handler's secrets for its own module only", async () => {
    const registry = new PluginRegistry(
      [handlerPlugin],
      new SecretStore({ env: { AMSTAFF_SECRET_HOOK: "hook-value" }, grants: { HOOK: { modules: ["A"] } } }),
    );
    const spec = { plugin: "keyed-handler", options: { key: { $secret: "HOOK" } } };
    await registry.createHandler(spec, { module: "A" }).notify(transition, notifyContext);
    expect(sent).toEqual(["hook-value"]);
    let error: unknown;
    try {
      registry.createHandler(spec, { module: "B" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: "AMS_ERR_SECRET_NOT_GRANTED",
      message: expect.stringContaining('secret("HOOK") is not granted to module "B"'),
    });
    expect((error as Error).message).not.toContain("hook-value");
  });

  it("never reads the server's own settings or plain variables, whatever the grants", () => {
    process.env.PLAIN_TEST_VARIABLE = "plain-value";
    try {
      const everyone = { modules: ["*"] };
      const store = new SecretStore({ grants: { HOME: everyone, PLAIN_TEST_VARIABLE: everyone } });
      const registry = new PluginRegistry([handlerPlugin], store);
      for (const name of ["HOME", "AMSTAFF_TOKEN", "PLAIN_TEST_VARIABLE"]) {
        expect(() =>
          registry.createHandler(
            { plugin: "keyed-handler", options: { key: { $secret: name } } },
            { module: "A" },
          ),
        ).toThrow(/AMS_ERR_SECRET_MISSING/);
      }
    } finally {
      delete process.env.PLAIN_TEST_VARIABLE;
    }
  });

  it("hands a sampler the spec's own options when they were parsed at push, the parser's copy otherwise", () => {
    const given: unknown[] = [];
    const plugin = defineSamplerPlugin({
      kind: "sampler",
      id: "defaulted-sampler",
      package: "defaulted-sampler",
      description: "keeps the options it was built with",
      options: z.object({ url: z.string(), method: z.string().default("GET") }),
      builders: {},
      create: (options, context) => {
        given.push(options);
        return { name: context.name, tags: context.tags, probe: async () => results.ok("ok") };
      },
    });
    const registry = new PluginRegistry([plugin]);
    const create = (options: unknown) =>
      registry.createSampler({ plugin: plugin.id, options }, { name: "Health", tags: [] }, { module: "A" });
    const parsed = { url: "http://a", method: "GET" };
    create(parsed);
    create({ url: "http://a" });
    expect(given[0]).toBe(parsed);
    expect(given[1]).toEqual(parsed);
    expect(() => create({ method: "GET" })).toThrow(/AMS_ERR_PLUGIN_OPTIONS|Invalid options/);
  });
});
