import type { JsonValue } from "@amstaff/core";
import { compileBodyPattern } from "./bodyPattern.js";
import { formatJson, jsonEquals, lookupJsonPath } from "./jsonPath.js";
import type { BodyExpectation } from "./options.js";
import { matchPattern } from "./patternMatcher.js";

/** The part of a response body that was read. */
export interface ReadBody {
  /** The body's bytes, up to the byte limit: decoded as UTF-8 for `contains` and `json`, matched as is by `matches`. */
  raw: Buffer;
  /** Whether the body was longer than the limit, so `text` is only its beginning. */
  truncated: boolean;
  /** The byte limit that applied. */
  maxBodyBytes: number;
}

function quote(text: string, maxLength = 60): string {
  return JSON.stringify(text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text);
}

/**
 * Checks a body against an expectation. A `matches` pattern is matched with RE2 semantics on a worker
 * thread, in time linear in the body, and stops when `signal` aborts.
 * @returns why the body fails it, or `undefined` when it passes.
 * @throws `signal.reason` when the signal aborts before a `matches` pattern is decided.
 */
export async function checkBody(
  expectation: BodyExpectation,
  body: ReadBody,
  signal: AbortSignal,
): Promise<string | undefined> {
  const partial = body.truncated ? ` (only the first ${body.maxBodyBytes} bytes were read)` : "";
  if ("contains" in expectation) {
    return body.raw.toString("utf8").includes(expectation.contains)
      ? undefined
      : `body does not contain ${quote(expectation.contains)}${partial}`;
  }
  if ("matches" in expectation) {
    const pattern = compileBodyPattern(expectation.matches, expectation.flags);
    if (typeof pattern === "string") return `invalid regular expression: ${pattern}`;
    let matched: boolean;
    try {
      // The body is read once per probe and not used after this check: it moves to the thread uncopied.
      matched = await matchPattern(pattern, body.raw, signal, true);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      return `body not checked against ${pattern.shown}: ${error instanceof Error ? error.message : String(error)}`;
    }
    return matched ? undefined : `body does not match ${pattern.shown}${partial}`;
  }
  if (body.truncated) {
    return `body is larger than maxBodyBytes (${body.maxBodyBytes} bytes): raise maxBodyBytes to check JSON field ${expectation.json}`;
  }
  const text = body.raw.toString("utf8");
  let document: JsonValue;
  try {
    document = JSON.parse(text) as JsonValue;
  } catch {
    return text.trim() === "" ? "body is empty, expected JSON" : `body is not JSON: ${quote(text, 40)}`;
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
