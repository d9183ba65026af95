import type { JsonValue } from "@amstaff/core";
import { formatJson, jsonEquals, lookupJsonPath } from "./jsonPath.js";
import { type BodyExpectation, compileRegExp } from "./options.js";

/** The part of a response body that was read. */
export interface ReadBody {
  /** The body decoded as UTF-8, up to the byte limit. */
  text: string;
  /** Whether the body was longer than the limit, so `text` is only its beginning. */
  truncated: boolean;
  /** The byte limit that applied. */
  maxBodyBytes: number;
}

function quote(text: string, maxLength = 60): string {
  return JSON.stringify(text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text);
}

/**
 * Checks a body against an expectation.
 * @returns why the body fails it, or `undefined` when it passes.
 */
export function checkBody(expectation: BodyExpectation, body: ReadBody): string | undefined {
  const partial = body.truncated ? ` (only the first ${body.maxBodyBytes} bytes were read)` : "";
  if ("contains" in expectation) {
    return body.text.includes(expectation.contains)
      ? undefined
      : `body does not contain ${quote(expectation.contains)}${partial}`;
  }
  if ("matches" in expectation) {
    const pattern = compileRegExp(expectation.matches, expectation.flags);
    if (typeof pattern === "string") return `invalid regular expression: ${pattern}`;
    // search() ignores the g and y flags' lastIndex, so the same RegExp gives the same answer every probe.
    return body.text.search(pattern) === -1
      ? `body does not match /${expectation.matches}/${expectation.flags ?? ""}${partial}`
      : undefined;
  }
  if (body.truncated) {
    return `body is larger than maxBodyBytes (${body.maxBodyBytes} bytes): raise maxBodyBytes to check JSON field ${expectation.json}`;
  }
  let document: JsonValue;
  try {
    document = JSON.parse(body.text) as JsonValue;
  } catch {
    return body.text.trim() === ""
      ? "body is empty, expected JSON"
      : `body is not JSON: ${quote(body.text, 40)}`;
  }
  const expected = expectation.equals as JsonValue;
  const found = lookupJsonPath(document, expectation.json);
  if (!found.found) {
    return `JSON field ${expectation.json} is missing (no ${found.missingAt}), expected ${formatJson(expected)}`;
  }
  return jsonEquals(found.value, expected)
    ? undefined
    : `JSON field ${expectation.json} is ${formatJson(found.value)}, expected ${formatJson(expected)}`;
}
