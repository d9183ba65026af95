// The parts of an HTTP probe's result: how a request is named, its details, its timing.
import type { JsonValue } from "@amstaff/core";

/** The URL as shown in messages and details: without `user:password@`. */
export function displayUrl(url: URL): string {
  const shown = new URL(url);
  shown.username = "";
  shown.password = "";
  return shown.href;
}

/** A result's fields besides its status and message, as a probe that got an answer builds them. */
export type ResultInit = {
  value: number;
  durationMs: number;
  timestamp: number;
  details: Record<string, JsonValue>;
};

/** Milliseconds since `started` (a `performance.now()`), to a tenth. */
export function msSince(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

/** `GET https://example.com/`, as messages name a request. */
export function describeRequest(method: string, current: URL): string {
  return `${method} ${displayUrl(current)}`;
}

/**
 * A result's details, built as one object: the latest result of every monitor is kept, and closures and
 * spreads per probe were a good part of what the probe itself allocated.
 */
export function probeDetails(
  url: string,
  method: string,
  redirected: URL | undefined,
  redirects: number,
  statusCode?: number,
  read?: { bytes: number; truncated: boolean },
): Record<string, JsonValue> {
  // The common outcome as one literal: properties added to an object once made go to an array of their own.
  if (redirects === 0 && statusCode !== undefined && read !== undefined && !read.truncated)
    return { url, method, statusCode, bytes: read.bytes };
  const details: Record<string, JsonValue> = { url, method };
  if (redirects > 0 && redirected !== undefined) {
    details.finalUrl = displayUrl(redirected);
    details.redirects = redirects;
  }
  if (statusCode !== undefined) details.statusCode = statusCode;
  if (read !== undefined) {
    details.bytes = read.bytes;
    if (read.truncated) details.truncated = true;
  }
  return details;
}

/** `no response within <timeout> ms`, one string per timeout rather than one per sampler. */
const timeoutMessages = new Map<number, string>();

export function timeoutMessageOf(timeoutMs: number): string {
  let message = timeoutMessages.get(timeoutMs);
  if (message === undefined) {
    message = `no response within ${timeoutMs} ms`;
    timeoutMessages.set(timeoutMs, message);
  }
  return message;
}
