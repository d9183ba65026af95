import type { GraphiteAggregation } from "./options.js";

/**
 * Reduces a series' datapoints to one value. Null, NaN and infinite datapoints are skipped; a series
 * with none left has no value (`undefined`), which the `onMissing` policy then judges.
 */
export function aggregate(
  datapoints: readonly (readonly [number | null, number])[],
  aggregation: GraphiteAggregation,
): number | undefined {
  const values: number[] = [];
  for (const [value] of datapoints) if (value !== null && Number.isFinite(value)) values.push(value);
  if (values.length === 0) return undefined;
  switch (aggregation) {
    case "last":
      return values.at(-1);
    case "min":
      return values.reduce((a, b) => Math.min(a, b));
    case "max":
      return values.reduce((a, b) => Math.max(a, b));
    case "sum":
      return sum(values);
    case "avg":
      return sum(values) / values.length;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
