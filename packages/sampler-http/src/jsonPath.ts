import type { JsonValue } from "@amstaff/core";

/** What a JSON path found: the value, or that the path does not exist. */
export type JsonLookup = { found: true; value: JsonValue } | { found: false; missingAt: string };

/**
 * Follows a dotted path (`"checks.db.status"`, `"items.0.id"`) into a parsed JSON document. A segment
 * that is a whole number indexes an array; any segment names an object's field.
 */
export function lookupJsonPath(document: JsonValue, path: string): JsonLookup {
  let current: JsonValue = document;
  const segments = path.split(".");
  for (const [index, segment] of segments.entries()) {
    let next: JsonValue | undefined;
    if (Array.isArray(current)) {
      next = /^\d+$/.test(segment) ? current[Number(segment)] : undefined;
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
      next = current[segment];
    }
    if (next === undefined) return { found: false, missingAt: segments.slice(0, index + 1).join(".") };
    current = next;
  }
  return { found: true, value: current };
}

/** Deep equality of JSON values: objects compare by their fields regardless of order. */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEquals(item, b[i] as JsonValue))
    );
  }
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && jsonEquals(a[key] as JsonValue, b[key] as JsonValue))
    );
  }
  return false;
}

/** A JSON value as a short string for messages. */
export function formatJson(value: JsonValue, maxLength = 80): string {
  const text = JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
