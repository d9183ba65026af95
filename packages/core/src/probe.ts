import { describeError } from "./errors.js";
import { formatIssues } from "./plugin.js";
import { type SampleResult, sampleResultSchema } from "./sampleResult.js";
import type { Sampler } from "./sampler.js";

/** Options of {@link runProbe}. */
export interface RunProbeOptions {
  /** How long the probe may take before it is abandoned as `unknown`. */
  timeoutMs: number;
  /** Aborts the probe early, e.g. on shutdown. */
  signal?: AbortSignal | undefined;
  /** The clock. @default Date.now */
  now?: () => number;
}

/**
 * Probes a sampler the way the server does: bounded by a timeout, with every failure of the sampler
 * itself (a throw, a hang, a malformed result) turned into an `unknown` result instead of an exception.
 * Never throws.
 */
export async function runProbe(sampler: Sampler, options: RunProbeOptions): Promise<SampleResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const controller = new AbortController();
  let onAbort = () => {};
  const aborted = new Promise<SampleResult>((resolve) => {
    onAbort = () => {
      resolve(unknown(`${sampler.name}: probe aborted`));
      controller.abort(options.signal?.reason);
    };
  });
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unknown = (message: string): SampleResult => ({
    status: "unknown",
    message,
    durationMs: Math.max(0, now() - started),
    timestamp: started,
  });
  const timeout = new Promise<SampleResult>((resolve) => {
    timer = setTimeout(() => {
      resolve(unknown(`${sampler.name}: no answer within ${options.timeoutMs} ms (probe timed out)`));
      controller.abort(new Error("probe timed out"));
    }, options.timeoutMs);
  });
  const probed = (async () => {
    try {
      const result = sampleResultSchema.safeParse(await sampler.probe({ signal: controller.signal }));
      return result.success
        ? (result.data as SampleResult)
        : unknown(
            `${sampler.name}: the sampler returned a malformed result (${formatIssues(result.error.issues)})`,
          );
    } catch (error) {
      return unknown(`${sampler.name}: the sampler failed: ${describeError(error)}`);
    }
  })();
  try {
    if (options.signal?.aborted) return unknown(`${sampler.name}: probe aborted`);
    return await Promise.race([probed, timeout, aborted]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
