import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { SamplerPlugin } from "../plugin.js";
import { parsePluginOptions } from "../plugin.js";
import { runProbe } from "../probe.js";
import type { SampleResult } from "../sampleResult.js";
import type { Sampler } from "../sampler.js";
import { resolveSecrets, type SecretRef } from "../secret.js";
import type { SampleStatus } from "../status.js";
import {
  conformanceSecret,
  describeDescriptor,
  expectNoSecret,
  expectValidResult,
  type InvalidOptionsCase,
} from "./conformanceShared.js";

/** A live target a sampler can probe, set up by the test (a server on loopback, a temporary database). */
export interface SamplerTarget<Input> {
  /** Options that probe this target. */
  options: Input;
  /**
   * The status a probe of this target reports.
   * @default "ok"
   */
  expectedStatus?: SampleStatus;
  /**
   * Whether the target received the secret's value (in a header, a password, ...). When given, the suite
   * asserts that it did: the `{ $secret }` reference given to the target factory was resolved.
   */
  sawSecret?: (value: string) => boolean;
  /** Tears the target down. */
  cleanup?: () => unknown;
}

/** Builds a target; `secret` is a `{ $secret }` reference to put wherever the plugin accepts one. */
export type SamplerTargetFactory<Input> = (secret: SecretRef) => Promise<SamplerTarget<Input>>;

/** What {@link describeSamplerPlugin} checks a sampler plugin with. */
export interface SamplerConformanceOptions<Input> {
  /** Options the schema must accept (at least one). The first is also given to each builder. */
  validOptions: readonly [Input, ...Input[]];
  /** Options the schema must reject, each with the path the error must name. */
  invalidOptions: readonly InvalidOptionsCase[];
  /**
   * The arguments to call each builder with, by builder name, when the first valid options do not suit it.
   * @default { [every builder]: [validOptions[0]] }
   */
  builderArguments?: Record<string, readonly unknown[]>;
  /** A target that answers: the suite probes it and checks the result. Without it, nothing is probed. */
  target?: SamplerTargetFactory<Input>;
  /**
   * A target that never answers (a server that accepts and stays silent). The suite checks that
   * `runProbe` reports `unknown` when time is up and that the sampler then stops, through its signal.
   * Without it, the suite wraps a sampler whose probe never settles.
   */
  hangingTarget?: SamplerTargetFactory<Input>;
  /**
   * The timeout the suite gives `runProbe` for the hanging target.
   * @default 200
   */
  hangTimeoutMs?: number;
}

/** A sampler whose probe never settles, even when aborted: the worst a plugin can do. */
function hangingSampler(sampler: Sampler): Sampler {
  return { name: sampler.name, tags: sampler.tags, probe: () => new Promise<SampleResult>(() => {}) };
}

/**
 * Registers the conformance suite of a sampler plugin: its descriptor and builders, option validation,
 * the shape of the samplers it creates, their results (valid, JSON, no secret in them), and how the
 * server's `runProbe` treats them when they throw or hang.
 *
 * @example
 * ```ts
 * import { describeSamplerPlugin } from "@amstaff/core/testing";
 *
 * describeSamplerPlugin(tcpPlugin, {
 *   validOptions: [{ host: "127.0.0.1", port: 5432 }],
 *   invalidOptions: [{ options: { host: "db", port: 70000 }, path: "port" }],
 *   target: async () => {
 *     const server = await listenOnFreePort();
 *     return { options: { host: "127.0.0.1", port: server.port }, cleanup: () => server.close() };
 *   },
 * });
 * ```
 */
export function describeSamplerPlugin<Schema extends z.ZodType>(
  plugin: SamplerPlugin<Schema>,
  options: SamplerConformanceOptions<z.input<Schema>>,
): void {
  const context = { name: "Conformance probe", tags: ["conformance", "amstaff"] };
  const createFrom = (input: unknown, source: (name: string) => string | undefined) =>
    plugin.create(resolveSecrets(parsePluginOptions(plugin, input), source), context);

  describe(`${plugin.id} conforms to the sampler plugin contract`, () => {
    describeDescriptor(
      plugin,
      "sampler",
      options.validOptions,
      options.invalidOptions,
      options.builderArguments,
    );

    describe("create", () => {
      it("returns a Sampler with the monitor's name and tags, without probing", async () => {
        const sampler = createFrom(options.validOptions[0], conformanceSecret().source);
        expect(sampler.name).toBe(context.name);
        expect([...sampler.tags]).toEqual(context.tags);
        expect(typeof sampler.probe).toBe("function");
        if (sampler.dispose !== undefined) {
          expect(typeof sampler.dispose).toBe("function");
          await sampler.dispose();
        }
      });
    });

    describe("runProbe (how the server probes)", () => {
      it("turns a sampler that throws into an unknown result naming the sampler", async () => {
        const sampler = createFrom(options.validOptions[0], conformanceSecret().source);
        const throwing: Sampler = {
          name: sampler.name,
          tags: sampler.tags,
          probe: async () => {
            throw new Error("conformance: the sampler crashed");
          },
        };
        const result = await runProbe(throwing, { timeoutMs: 1000 });
        expectValidResult(result);
        expect(result.status).toBe("unknown");
        expect(result.message).toContain(sampler.name);
        expect(result.message).toContain("conformance: the sampler crashed");
        await sampler.dispose?.();
      });

      it("turns a sampler that hangs into an unknown result once time is up", async () => {
        const secret = conformanceSecret();
        const target = await options.hangingTarget?.(secret.ref);
        try {
          const real = createFrom(target?.options ?? options.validOptions[0], secret.source);
          let settled: Promise<SampleResult> | undefined;
          const sampler: Sampler = target
            ? {
                name: real.name,
                tags: real.tags,
                probe: (probeContext) => {
                  settled = real.probe(probeContext);
                  return settled;
                },
              }
            : hangingSampler(real);
          const result = await runProbe(sampler, { timeoutMs: options.hangTimeoutMs ?? 200 });
          expectValidResult(result);
          expect(result.status).toBe("unknown");
          expect(result.message).toMatch(/timed out/);
          expectNoSecret("the result", result, secret.value);
          if (settled !== undefined) {
            // runProbe aborted the probe's signal: the sampler must stop and settle with a result, not throw.
            const late = await settled;
            expectValidResult(late);
            expectNoSecret("the aborted probe's result", late, secret.value);
          }
          await real.dispose?.();
        } finally {
          await target?.cleanup?.();
        }
      });
    });

    const { target } = options;
    if (target !== undefined) {
      describe("probe", () => {
        it("probes a live target into a valid, JSON result with no secret in it", async () => {
          const secret = conformanceSecret();
          const live = await target(secret.ref);
          try {
            // Parsed options are what the log replicates: the secret must still be a name there.
            expectNoSecret("the parsed options", parsePluginOptions(plugin, live.options), secret.value);
            const sampler = createFrom(live.options, secret.source);
            expectNoSecret("the sampler's name", sampler.name, secret.value);
            const before = Date.now();
            const result = await sampler.probe({ signal: new AbortController().signal });
            expectValidResult(result);
            expect(result.status, result.message).toBe(live.expectedStatus ?? "ok");
            expect(result.message).toMatch(/\S/);
            expect(result.timestamp).toBeGreaterThanOrEqual(before - 1000);
            expect(result.timestamp).toBeLessThanOrEqual(Date.now());
            expectNoSecret("the result", result, secret.value);
            if (live.sawSecret !== undefined) expect(live.sawSecret(secret.value)).toBe(true);
            const viaServer = await runProbe(sampler, { timeoutMs: 10_000 });
            expect(viaServer.status, viaServer.message).toBe(live.expectedStatus ?? "ok");
            await sampler.dispose?.();
          } finally {
            await live.cleanup?.();
          }
        });

        it("answers an already aborted signal without throwing", async () => {
          const secret = conformanceSecret();
          const live = await target(secret.ref);
          try {
            const sampler = createFrom(live.options, secret.source);
            const result = await sampler.probe({ signal: AbortSignal.abort(new Error("shutting down")) });
            expectValidResult(result);
            expectNoSecret("the result", result, secret.value);
            await sampler.dispose?.();
          } finally {
            await live.cleanup?.();
          }
        });
      });
    }
  });
}
