import { isDeepStrictEqual } from "node:util";
import { checkThresholds, type JsonValue, type SampleStatus, worstStatus } from "@amstaff/core";
import type { QueryOutcome } from "./driver.js";
import type { ParsedSqlSamplerOptions } from "./options.js";

/** What the checks concluded about a query's outcome. */
export interface Verdict {
  status: SampleStatus;
  message: string;
  /** The numeric value, when there is one (the scalar if numeric, else the row count when it is judged). */
  value: number | undefined;
  /** The value as JSON, for details. */
  shown: JsonValue | undefined;
}

const maxShownLength = 200;

/** The query as shown in messages: whitespace collapsed, at most `max` characters. */
export function shortSql(sql: string, max = 80): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A driver's value as JSON: dates as ISO strings, big integers as numbers when exact, bytes as a summary. */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string")
    return value.length > maxShownLength ? `${value.slice(0, maxShownLength)}…` : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean") return value;
  if (typeof value === "bigint")
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  try {
    const text = JSON.stringify(value);
    if (text !== undefined && text.length <= 4 * maxShownLength) return JSON.parse(text) as JsonValue;
    return text === undefined ? String(value) : `${text.slice(0, maxShownLength)}…`;
  } catch {
    return String(value);
  }
}

// `\d+(\.\d*)?`, not `\d+\.?\d*`: two digit runs that can split a run of digits any way backtrack
// quadratically, and a module's query decides the text (200,000 digits and an "x" took ~20 s).
const numericText = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?\s*$/i;

/** The value as a number, when it is one: drivers return PostgreSQL `bigint` and `numeric`, MySQL `DECIMAL` as strings. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && numericText.test(value)) return Number(value);
  return undefined;
}

function equalsExpected(actual: unknown, expected: JsonValue): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === "number") return toNumber(actual) === expected;
  if (typeof expected === "boolean") {
    if (typeof actual === "boolean") return actual === expected;
    const n = toNumber(actual);
    return n === (expected ? 1 : 0);
  }
  if (typeof expected === "string") {
    if (actual instanceof Date) return actual.toISOString() === expected;
    if (typeof actual === "number" || typeof actual === "bigint") return String(actual) === expected;
    return actual === expected;
  }
  // Objects and arrays: JSON columns come parsed from pg and mysql2, as text from SQLite.
  let parsed = actual;
  if (typeof actual === "string") {
    try {
      parsed = JSON.parse(actual);
    } catch {
      return false;
    }
  }
  return isDeepStrictEqual(toJson(parsed), expected);
}

function show(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "NULL";
  const text = typeof value === "number" ? String(value) : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function crossing(
  amount: string,
  value: number,
  threshold: number,
  direction: "above" | "below",
  status: string,
) {
  return value === threshold
    ? `${amount} reached the ${status} threshold ${threshold}`
    : `${amount} is ${direction} the ${status} threshold ${threshold}`;
}

/** Judges a query's outcome against the options' checks; `sql` is the query as messages show it. */
export function judge(
  outcome: QueryOutcome,
  options: ParsedSqlSamplerOptions,
  sql: string = shortSql(options.query),
): Verdict {
  const raw = outcome.firstRow?.[0];
  const hasValue = outcome.firstRow !== undefined && outcome.firstRow.length > 0;
  const shown = hasValue ? toJson(raw) : undefined;
  const numeric = hasValue ? toNumber(raw) : undefined;
  const wantsThresholds = options.warning !== undefined || options.critical !== undefined;
  const wantsValue = wantsThresholds || options.equals !== undefined;
  const rowsWord = `${outcome.rowCount} row${outcome.rowCount === 1 ? "" : "s"}`;
  const findings: { status: SampleStatus; message: string }[] = [];

  if (wantsValue && !hasValue) {
    return {
      status: "unknown",
      message: `the query returned no rows, so there is no value to check (${sql})`,
      value: undefined,
      shown,
    };
  }
  if (wantsThresholds) {
    if (numeric === undefined) {
      return {
        status: "unknown",
        message: `value ${show(shown)} is not a number, so it cannot be compared with thresholds (${sql})`,
        value: undefined,
        shown,
      };
    }
    const { status, threshold } = checkThresholds(numeric, options);
    if (status !== "ok" && threshold !== undefined) {
      findings.push({
        status,
        message: crossing(`value ${numeric}`, numeric, threshold, options.direction, status),
      });
    }
  }
  if (options.equals !== undefined && !equalsExpected(raw, options.equals)) {
    findings.push({
      status: "critical",
      message: `value ${show(shown)} is not the expected ${show(options.equals)}`,
    });
  }
  const rows = options.rows;
  if (rows !== undefined) {
    const direction = rows.direction ?? "above";
    const { status, threshold } = checkThresholds(outcome.rowCount, { ...rows, direction });
    if (status !== "ok" && threshold !== undefined) {
      findings.push({ status, message: crossing(rowsWord, outcome.rowCount, threshold, direction, status) });
    }
    if (rows.min !== undefined && outcome.rowCount < rows.min) {
      findings.push({ status: "critical", message: `${rowsWord}, fewer than the minimum ${rows.min}` });
    }
    if (rows.max !== undefined && outcome.rowCount > rows.max) {
      findings.push({ status: "critical", message: `${rowsWord}, more than the maximum ${rows.max}` });
    }
  }

  const value = numeric ?? (rows !== undefined ? outcome.rowCount : undefined);
  const status = worstStatus(findings.map((f) => f.status));
  if (status !== "ok") {
    const worst = findings.filter((f) => f.status === status).map((f) => f.message);
    return { status, message: `${worst.join("; ")} (${sql})`, value, shown };
  }
  const parts = [hasValue && (wantsValue || rows === undefined) ? `value ${show(shown)}` : undefined];
  if (rows !== undefined || !hasValue) parts.push(rowsWord);
  return { status: "ok", message: `${parts.filter(Boolean).join(", ")} (${sql})`, value, shown };
}
