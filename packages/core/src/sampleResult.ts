import { z } from "zod";
import { type SampleStatus, sampleStatuses } from "./status.js";

/** A JSON value: what a result's details may hold, so results can be stored and replicated as they are. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

/** The outcome of one `probe()`. Plain data: it is stored, replicated and sent to handlers as JSON. */
export interface SampleResult {
  /** What the sampler concluded. */
  status: SampleStatus;
  /** A human-readable explanation, e.g. `"HTTP 500 from http://api/health (expected 200)"`. */
  message: string;
  /** The measured value, when the sampler measures one (latency, a query's scalar, a metric). */
  value?: number | undefined;
  /** How long the probe took, in milliseconds. */
  durationMs: number;
  /** When the probe started, in milliseconds since the epoch. */
  timestamp: number;
  /** Sampler-specific structured data (status code, series values, ...). Never secrets. */
  details?: Record<string, JsonValue> | undefined;
}

/**
 * Validates a {@link SampleResult} that crossed a trust boundary (a third-party sampler, the network). Its
 * output is made as one literal ({@link wellFormedResult}): the parser adds keys one by one to an empty
 * object, which puts those past the fourth in a property array of their own (40 bytes), and every node
 * keeps the result of each monitor's latest committed transition.
 */
export const sampleResultSchema = z
  .object({
    status: z.enum(sampleStatuses),
    message: z.string(),
    value: z.number().optional(),
    durationMs: z.number().nonnegative(),
    timestamp: z.number().int().nonnegative(),
    details: z.record(z.string(), jsonValue).optional(),
  })
  .overwrite((result) => wellFormedResult(result) ?? result);

const knownStatuses: ReadonlySet<unknown> = new Set(sampleStatuses);
const finiteNumber = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);

function isJsonValue(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
      return isJsonRecord(value, depth + 1);
    default:
      return false;
  }
}

function isJsonRecord(value: unknown, depth: number): value is Record<string, JsonValue> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!isJsonValue((value as Record<string, unknown>)[key], depth)) return false;
  }
  return true;
}

/**
 * The result as {@link sampleResultSchema} would return it, when it is well formed by a check that
 * accepts only what the schema accepts; `undefined` otherwise (then the schema says what is wrong). The
 * schema costs microseconds per result, which thousands of probes a second feel; this costs a few
 * property reads.
 */
export function wellFormedResult(value: unknown): SampleResult | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (
    !knownStatuses.has(r.status) ||
    typeof r.message !== "string" ||
    (r.value !== undefined && !finiteNumber(r.value)) ||
    !finiteNumber(r.durationMs) ||
    r.durationMs < 0 ||
    !Number.isSafeInteger(r.timestamp) ||
    (r.timestamp as number) < 0 ||
    (r.details !== undefined && !isJsonRecord(r.details, 0))
  ) {
    return undefined;
  }
  // The schema's output: its keys in its order, a key given as undefined kept, unknown keys dropped. Made
  // as one literal: properties added to an object once made go to an array of their own, and the server
  // keeps the latest result of every monitor.
  const { status, message, value: measured, durationMs, timestamp, details } = r as unknown as SampleResult;
  if ("value" in r) {
    return "details" in r
      ? { status, message, value: measured, durationMs, timestamp, details }
      : { status, message, value: measured, durationMs, timestamp };
  }
  return "details" in r
    ? { status, message, durationMs, timestamp, details }
    : { status, message, durationMs, timestamp };
}

/** The fields of a result besides its status and message, all optional when building one. */
export type SampleResultInit = Partial<Omit<SampleResult, "status" | "message">>;

function make(status: SampleStatus, message: string, init: SampleResultInit): SampleResult {
  const durationMs = init.durationMs ?? 0;
  const timestamp = init.timestamp ?? Date.now();
  const { value, details } = init;
  // One literal per shape, not spreads: a sampler makes one per probe, thousands a second.
  if (value === undefined)
    return details === undefined
      ? { status, message, durationMs, timestamp }
      : { status, message, durationMs, timestamp, details };
  return details === undefined
    ? { status, message, durationMs, timestamp, value }
    : { status, message, durationMs, timestamp, value, details };
}

/**
 * Builders of {@link SampleResult}s, for sampler authors.
 *
 * @example
 * ```ts
 * return results.critical(`HTTP ${status} from ${url}`, { value: latencyMs, durationMs });
 * ```
 */
export const results = {
  ok: (message: string, init: SampleResultInit = {}) => make("ok", message, init),
  warning: (message: string, init: SampleResultInit = {}) => make("warning", message, init),
  critical: (message: string, init: SampleResultInit = {}) => make("critical", message, init),
  unknown: (message: string, init: SampleResultInit = {}) => make("unknown", message, init),
  of: (status: SampleStatus, message: string, init: SampleResultInit = {}) => make(status, message, init),
} as const;
