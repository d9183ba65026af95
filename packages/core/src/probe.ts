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

/** A probe's own time limit joined with its caller's signal; see {@link probeDeadline}. */
export interface ProbeDeadline {
  /** Aborts when the time limit passes or the caller aborts, whichever comes first. */
  readonly signal: AbortSignal;
  /** Whether it was the time limit (not the caller) that aborted. */
  readonly timedOut: boolean;
  /** Stops the timer and stops listening to the caller: call it once the probe is done. */
  dispose(): void;
}

/**
 * The time limit a sampler puts on its own I/O, joined with the caller's signal (the server's shutdown,
 * `runProbe`'s timeout), so a sampler can say "no answer within 5000 ms" instead of "aborted".
 *
 * @example
 * ```ts
 * const deadline = probeDeadline(timeoutMs, context?.signal, `no answer within ${timeoutMs} ms`);
 * try {
 *   await request(url, { signal: deadline.signal });
 * } catch (error) {
 *   if (deadline.timedOut) return results.critical(`no answer within ${timeoutMs} ms`);
 *   throw error;
 * } finally {
 *   deadline.dispose();
 * }
 * ```
 */
export function probeDeadline(
  timeoutMs: number,
  parent: AbortSignal | undefined,
  message: string,
): ProbeDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(message));
  }, timeoutMs);
  const onAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener("abort", onAbort, { once: true });
  if (parent?.aborted) onAbort();
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}
