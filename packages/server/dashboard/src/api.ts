import { AmstaffApiError, createAmstaffClient } from "../../src/client/client.js";

const storageKey = "amstaff.token";

/** The token, kept for this browser tab only (sessionStorage), never in a URL. */
export const session = {
  get token(): string | null {
    return sessionStorage.getItem(storageKey);
  },
  set token(value: string | null) {
    if (value === null) sessionStorage.removeItem(storageKey);
    else sessionStorage.setItem(storageKey, value);
  },
};

/** A refused or failed API call. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};

/** What to do when the server refuses the token (sign in again). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** The API's typed client, as the signed-in session (same origin). */
export const api = createAmstaffClient({ baseUrl: "", token: () => session.token });

/** GETs a JSON endpoint with the token (the session's, or one being tried at sign-in). */
export async function getJson<T>(path: string, token = session.token, signal?: AbortSignal): Promise<T> {
  const client = token === session.token ? api : createAmstaffClient({ baseUrl: "", token });
  try {
    return (await client.send("GET", path, { signal })) as T;
  } catch (error) {
    if (!(error instanceof AmstaffApiError)) throw error;
    if (error.status === 401 && token === session.token) onUnauthorized();
    throw new ApiError(error.status, error.message);
  }
}

/** Percent-encodes one path segment. */
export const seg = encodeURIComponent;

/**
 * Reads `GET /events` (Server-Sent Events) with fetch(), so the token travels in the Authorization
 * header: EventSource cannot send headers, and a token in the URL would end up in logs and history.
 * Resolves when the stream ends; rejects on a network error or a refused token.
 */
export async function readEvents(
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch("/events", {
    headers: { authorization: `Bearer ${session.token ?? ""}`, accept: "text/event-stream" },
    signal,
    cache: "no-store",
  });
  if (response.status === 401) {
    onUnauthorized();
    throw new ApiError(401, "token refused");
  }
  if (!response.ok || !response.body) throw new ApiError(response.status, "event stream refused");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data !== "") onEvent(event, JSON.parse(data));
    }
  }
}
