import type { SampleResult } from "./sampleResult.js";

/** What the scheduler hands to every probe. */
export interface ProbeContext {
  /**
   * Aborted when the probe's time is up or the node is shutting down. Pass it to every I/O call:
   * a probe that ignores it is abandoned (its result discarded), never awaited forever.
   */
  signal: AbortSignal;
}

/**
 * Something that can be probed: an HTTP endpoint, a SQL query, a metric.
 *
 * `probe()` may take as long as it needs (the scheduler runs probes concurrently and bounds each with a
 * timeout), but it must not throw for a failing target: a target that is down is a `critical` or
 * `unknown` {@link SampleResult} with a clear message. Throw only for bugs.
 *
 * @example
 * ```ts
 * const sampler: Sampler = {
 *   name: "disk /var",
 *   tags: ["infra"],
 *   async probe() {
 *     const freeGb = await freeSpace("/var");
 *     return freeGb < 5 ? results.critical(`${freeGb} GB free`) : results.ok(`${freeGb} GB free`, { value: freeGb });
 *   },
 * };
 * ```
 */
export interface Sampler {
  /** A name unique within its module, shown in notifications. */
  readonly name: string;
  /** Free-form labels used for routing, filtering and status pages. */
  readonly tags: readonly string[];
  /** Probes the target once. */
  probe(context?: ProbeContext): Promise<SampleResult>;
  /** Releases pooled connections and other resources. Called when the sampler is retired. */
  dispose?(): void | Promise<void>;
}
