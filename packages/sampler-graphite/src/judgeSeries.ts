import {
  checkThresholds,
  compareStatus,
  type JsonValue,
  type SampleStatus,
  worstStatus,
} from "@amstaff/core";
import { aggregate } from "./aggregate.js";
import type { ParsedGraphiteSamplerOptions } from "./options.js";
import type { RenderSeries } from "./renderResponse.js";

/** The most series listed by name in a result's `details`, worst first; the count is always complete. */
export const maxDetailedSeries = 50;

/** How one series was judged. */
export interface SeriesVerdict {
  /** The series' name as Graphite gave it. */
  name: string;
  /** Its aggregated value; `undefined` when it had no datapoint over the window. */
  value: number | undefined;
  status: SampleStatus;
  /** The threshold it reached, when it reached one. */
  threshold?: number | undefined;
}

/** What the series of one render answer add up to. */
export interface Judgement {
  status: SampleStatus;
  message: string;
  /** The value of the series that decided: the worst one that has a value. */
  value: number | undefined;
  /** Every series, worst first. */
  series: SeriesVerdict[];
  /** `details.series` of the result: series name → `{ value, status }`, worst first, at most {@link maxDetailedSeries}. */
  details: Record<string, JsonValue>;
}

/** What {@link judgeSeries} needs of the options. */
export type JudgeOptions = Pick<
  ParsedGraphiteSamplerOptions,
  "target" | "from" | "until" | "aggregation" | "warning" | "critical" | "direction" | "onMissing"
>;

/** A value as a message shows it: at most two decimals, three significant digits below 1. */
export function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Math.abs(value) >= 1 ? Number(value.toFixed(2)) : Number(value.toPrecision(3)));
}

/**
 * Judges every series of a render answer against the thresholds and the missing-data policy: the worst
 * series decides the status, and the message names it.
 */
export function judgeSeries(series: readonly RenderSeries[], options: JudgeOptions): Judgement {
  const { aggregation, direction, onMissing } = options;
  const window =
    options.until === "now" ? `over ${options.from}` : `from ${options.from} until ${options.until}`;
  const op = direction === "above" ? "≥" : "≤";
  const thresholdNote = [
    ...(options.warning === undefined ? [] : [`warning ${op} ${formatValue(options.warning)}`]),
    ...(options.critical === undefined ? [] : [`critical ${op} ${formatValue(options.critical)}`]),
  ].join(", ");

  const verdicts: SeriesVerdict[] = series.map(({ target, datapoints }) => {
    const value = aggregate(datapoints, aggregation);
    if (value === undefined) return { name: target, value, status: onMissing };
    const { status, threshold } = checkThresholds(value, options);
    return { name: target, value, status, threshold };
  });
  // Worst first: by status, then a series with a value before one without, then the furthest past the thresholds.
  verdicts.sort((a, b) => {
    const byStatus = compareStatus(b.status, a.status);
    if (byStatus !== 0) return byStatus;
    if (a.value === undefined || b.value === undefined) return a.value === undefined ? 1 : -1;
    return direction === "above" ? b.value - a.value : a.value - b.value;
  });

  const status = verdicts.length === 0 ? onMissing : worstStatus(verdicts.map((v) => v.status));
  const decisive = verdicts.find((v) => v.value !== undefined);
  const describe = (v: SeriesVerdict) => `${v.name} ${aggregation} ${formatValue(v.value ?? Number.NaN)}`;
  const details = detailsOf(verdicts);

  if (verdicts.length === 0) {
    return {
      status,
      message: `Graphite returned no series for ${options.target} ${window}`,
      value: undefined,
      series: verdicts,
      details,
    };
  }

  const [worst] = verdicts as [SeriesVerdict, ...SeriesVerdict[]];
  if (verdicts.length === 1) {
    let message: string;
    if (worst.value === undefined) message = `${worst.name} has no datapoints ${window}`;
    else if (worst.threshold !== undefined) {
      const relation = worst.value === worst.threshold ? "at" : direction;
      message = `${describe(worst)} ${window} is ${relation} the ${worst.status} threshold ${formatValue(worst.threshold)}`;
    } else message = `${describe(worst)} ${window}${thresholdNote ? ` (${thresholdNote})` : ""}`;
    return { status, message, value: worst.value, series: verdicts, details };
  }

  const total = verdicts.length;
  const count = (predicate: (v: SeriesVerdict) => boolean) => verdicts.filter(predicate).length;
  const missing = count((v) => v.value === undefined);
  const critical = count((v) => v.value !== undefined && v.status === "critical");
  const warning = count((v) => v.value !== undefined && v.status === "warning");
  const extreme = direction === "above" ? "highest" : "lowest";

  let message: string;
  if (status === "ok") {
    const ok = total - missing;
    const head =
      ok === 0
        ? `none of ${total} series has datapoints ${window}`
        : `${ok} series ok${missing > 0 ? `, ${missing} without data` : ""}`;
    message =
      decisive === undefined
        ? head
        : `${head} (${extreme}: ${describe(decisive)}${thresholdNote ? `; ${thresholdNote}` : ""})`;
  } else {
    const parts = (
      [
        [critical, "critical"],
        [warning, "warning"],
        [missing, "without data"],
      ] as const
    ).filter(([n]) => n > 0);
    const head = parts
      .map(([n, label], i) => (i === 0 ? `${n} of ${total} series ${label}` : `${n} ${label}`))
      .join(", ");
    const why =
      worst.value === undefined
        ? `${worst.name} has no datapoints ${window}`
        : worst.threshold === undefined
          ? describe(worst)
          : `${describe(worst)} ${op} ${formatValue(worst.threshold)}`;
    message = `${head} (worst: ${why})`;
  }
  return { status, message, value: decisive?.value, series: verdicts, details };
}

function detailsOf(verdicts: readonly SeriesVerdict[]): Record<string, JsonValue> {
  const series: Record<string, JsonValue> = {};
  for (const verdict of verdicts.slice(0, maxDetailedSeries)) {
    let key = verdict.name;
    // Two series may share a name (`group(a.b, a.b)`); neither may hide the other.
    for (let n = 2; Object.hasOwn(series, key); n += 1) key = `${verdict.name} (${n})`;
    series[key] = { value: verdict.value ?? null, status: verdict.status };
  }
  return {
    seriesCount: verdicts.length,
    series,
    ...(verdicts.length > maxDetailedSeries ? { truncated: true } : {}),
  };
}
