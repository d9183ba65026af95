import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AmstaffError } from "../errors.js";
import { isAmstaffError } from "../errors.js";
import type { PluginDescriptor, PluginSpec } from "../plugin.js";
import { parsePluginOptions } from "../plugin.js";
import { type SampleResult, sampleResultSchema } from "../sampleResult.js";
import type { SecretRef } from "../secret.js";

/** Options the plugin's schema must reject, and where. */
export interface InvalidOptionsCase {
  /** The invalid options, as a module file would hold them. */
  options: unknown;
  /** The dotted path of the option the error must name, like `"latency.warning"`. */
  path?: string;
  /** What the error message must match. */
  message?: RegExp;
}

const npmName = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * A secret nobody else uses, and a source that gives its value for any name (valid options may name
 * their own secrets): no test ever reads or changes `process.env`.
 */
export function conformanceSecret() {
  const name = `AMSTAFF_CONFORMANCE_${randomBytes(4).toString("hex").toUpperCase()}`;
  const value = `conformance-secret-${randomBytes(12).toString("hex")}`;
  const ref: SecretRef = { $secret: name };
  const source = (_name: string) => value;
  return { name, value, ref, source };
}

/** The value after a trip through JSON, as the log and the API see it. */
export function jsonRoundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** Registers the checks every plugin shares: its descriptor, its builders and its options schema. */
export function describeDescriptor(
  plugin: PluginDescriptor,
  kind: PluginDescriptor["kind"],
  validOptions: readonly unknown[],
  invalidOptions: readonly InvalidOptionsCase[],
  builderArguments: Record<string, readonly unknown[]> = {},
): void {
  describe("descriptor", () => {
    it(`is a ${kind} plugin with an id, a package and a one-line description`, () => {
      expect(plugin.kind).toBe(kind);
      expect(plugin.id).toMatch(/\S/);
      expect(plugin.package).toMatch(npmName);
      expect(plugin.description).toMatch(/\S/);
      expect(plugin.description).not.toMatch(/\n/);
      expect(typeof plugin.options?.safeParse).toBe("function");
      expect(typeof plugin.create).toBe("function");
    });

    it("offers builders that return plain, JSON-cloneable specs of this plugin", () => {
      const names = Object.keys(plugin.builders);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const builder = plugin.builders[name];
        expect(typeof builder, `builder ${name}`).toBe("function");
        const spec = builder?.(...(builderArguments[name] ?? [validOptions[0]])) as PluginSpec;
        expect(spec.plugin, `${name}(...).plugin`).toBe(plugin.id);
        expect(jsonRoundTrip(spec), `${name}(...) survives JSON`).toEqual(spec);
        expect(structuredClone(spec), `${name}(...) survives structuredClone`).toEqual(spec);
        expect(() => parsePluginOptions(plugin, spec.options), `${name}(...).options validate`).not.toThrow();
      }
    });
  });

  describe("options", () => {
    it.each(validOptions.map((options, index) => [index, options] as const))(
      "accepts valid options #%i, into JSON data that validates again to itself",
      (_index, options) => {
        const parsed = parsePluginOptions(plugin, options);
        // Parsed options are stored and replicated: they must be data, and revalidating them a no-op.
        expect(jsonRoundTrip(parsed)).toEqual(parsed);
        expect(parsePluginOptions(plugin, parsed)).toEqual(parsed);
      },
    );

    if (invalidOptions.length > 0) {
      it.each(invalidOptions.map((c, index) => [index, c.path ?? "(any)", c] as const))(
        "rejects invalid options #%i with AMS_ERR_PLUGIN_OPTIONS naming %s",
        (_index, _path, invalid) => {
          let thrown: unknown;
          try {
            parsePluginOptions(plugin, invalid.options);
          } catch (error) {
            thrown = error;
          }
          expect(isAmstaffError(thrown, "AMS_ERR_PLUGIN_OPTIONS"), String(thrown)).toBe(true);
          const error = thrown as AmstaffError;
          if (invalid.path !== undefined) {
            const issues = (error.details?.issues ?? []) as { path: string[] }[];
            const paths = issues.map((issue) => issue.path.join("."));
            // An issue inside the option (`token.$secret` for `token`) names it too.
            const named = paths.some((p) => p === invalid.path || p.startsWith(`${invalid.path}.`));
            expect(named, `issues at ${JSON.stringify(paths)} name ${invalid.path}`).toBe(true);
            expect(error.message).toContain(invalid.path);
          }
          if (invalid.message !== undefined) expect(error.message).toMatch(invalid.message);
        },
      );
    }
  });
}

/** Asserts a result is valid under `sampleResultSchema` and survives JSON unchanged. */
export function expectValidResult(result: SampleResult): void {
  const parsed = sampleResultSchema.safeParse(result);
  expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues)).toBe(true);
  expect(jsonRoundTrip(result)).toEqual(result);
}

/** Asserts the secret's value appears nowhere in `value` (a string, or anything JSON can show). */
export function expectNoSecret(where: string, value: unknown, secret: string): void {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  expect(text?.includes(secret) ?? false, `${where} must not contain the secret's value`).toBe(false);
}
