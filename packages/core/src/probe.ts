import { describeError } from "./errors.js";
import { formatIssues } from "./plugin.js";
import { type SampleResult, sampleResultSchema, wellFormedResult } from "./sampleResult.js";
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
export function runProbe(sampler: Sampler, options: RunProbeOptions): Promise<SampleResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const unknown = (message: string): SampleResult => ({
    status: "unknown",
    message,
    durationMs: Math.max(0, now() - started),
    timestamp: started,
  });
  const signal = options.signal;
  if (signal?.aborted) return Promise.resolve(unknown(`${sampler.name}: probe aborted`));
  // The server runs thousands of these a second: one promise, one timer and one listener per probe,
  // settled by whichever of the sampler, the timer and the caller comes first.
  return new Promise<SampleResult>((resolve) => {
    const controller = new AbortController();
    let settled = false;
    const settle = (result: SampleResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const onAbort = () => {
      settle(unknown(`${sampler.name}: probe aborted`));
      controller.abort(signal?.reason);
    };
    const timer = setTimeout(() => {
      settle(unknown(`${sampler.name}: no answer within ${options.timeoutMs} ms (probe timed out)`));
      controller.abort(new Error("probe timed out"));
    }, options.timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    const failed = (error: unknown) =>
      settle(unknown(`${sampler.name}: the sampler failed: ${describeError(error)}`));
    try {
      Promise.resolve(sampler.probe({ signal: controller.signal })).then(
        (value) => settle(wellFormedResult(value) ?? malformed(sampler, value, unknown)),
        failed,
      );
    } catch (error) {
      failed(error);
    }
  });
}

function malformed(
  sampler: Sampler,
  value: unknown,
  unknown: (message: string) => SampleResult,
): SampleResult {
  const parsed = sampleResultSchema.safeParse(value);
  // The fast check rejects a little more than the schema (deeply nested details): the schema decides.
  if (parsed.success) return parsed.data as SampleResult;
  return unknown(
    `${sampler.name}: the sampler returned a malformed result (${formatIssues(parsed.error.issues)})`,
  );
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
