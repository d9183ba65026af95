import type { paths } from "./schema.js";

/** The HTTP methods of the API. */
export type Method = "get" | "post" | "put" | "delete";

/** The paths of the API that offer `method`, as the contract spells them (`/modules/{name}`). */
export type PathsOf<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];

/** The operation `method path` of the contract. */
export type Operation<P extends keyof paths, M extends Method> =
  paths[P] extends Record<M, infer O> ? O : never;

type Responses<O> = O extends { responses: infer R } ? R : never;
type BodyOf<R> = R extends { content: { "application/json": infer B } }
  ? B
  : R extends { content: { "text/plain": infer T } }
    ? T
    : never;

/** What an operation answers on success (200 or 201). */
export type SuccessOf<O> = {
  [S in keyof Responses<O>]: S extends 200 | 201 ? BodyOf<Responses<O>[S]> : never;
}[keyof Responses<O>];

type PathParams<O> = O extends { parameters: { path: infer T } } ? T : undefined;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : undefined;
type RequestBody<O> = O extends { requestBody?: { content: infer C } } ? C[keyof C] : undefined;

/** The path parameters, query and body of an operation. */
export type CallOptions<O> = (PathParams<O> extends undefined
  ? { path?: undefined }
  : { path: PathParams<O> }) & {
  query?: QueryOf<O>;
  body?: RequestBody<O>;
  signal?: AbortSignal | undefined;
};

/** Options of {@link createAmstaffClient}. */
export interface AmstaffClientOptions {
  /** The server's URL, e.g. `https://amstaff.example.com`; `""` in the dashboard (same origin). */
  baseUrl: string;
  /** The API token, or where to read it on each call (the dashboard's signed-in session). */
  token?: string | null | undefined | (() => string | null | undefined);
  /**
   * The fetch to send with: the CLI passes undici's with the CA it trusts, the browser its own.
   * @default globalThis.fetch
   */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** A request the server refused: its status, and the `code`, `message` and `details` of its error body. */
export class AmstaffApiError extends Error {
  override readonly name = "AmstaffApiError";
  constructor(
    readonly status: number,
    /** The server's `AMS_ERR_*` code; undefined when the answer was not the API's (a proxy's error page). */
    readonly code: string | undefined,
    message: string,
    /** The whole parsed body (a refused module's compiler `errors` are there). */
    readonly body: unknown,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The API's client: typed calls by the contract's paths, and raw requests by a path string. */
export interface AmstaffClient {
  /**
   * Calls an operation of the contract; resolves with its typed answer, rejects with an
   * {@link AmstaffApiError}.
   * @example
   * ```ts
   * const history = await client.call("get", "/modules/{name}/history", { path: { name: "Payments" } });
   * ```
   */
  call<M extends Method, P extends PathsOf<M>>(
    method: M,
    path: P,
    ...options: PathParams<Operation<P, M>> extends undefined
      ? [CallOptions<Operation<P, M>>?]
      : [CallOptions<Operation<P, M>>]
  ): Promise<SuccessOf<Operation<P, M>>>;
  /** Sends a request to a path (with its query) as is; a string body goes as text, anything else as JSON. */
  send(
    method: string,
    path: string,
    init?: { body?: unknown; signal?: AbortSignal | undefined },
  ): Promise<unknown>;
}

type ErrorBody = { error?: { code?: string; message?: string; details?: Record<string, unknown> } };

/** Turns a refused answer into an {@link AmstaffApiError} with the server's code and message. */
function refused(response: Response, text: string, parsed: unknown): AmstaffApiError {
  const error = (parsed as ErrorBody | undefined)?.error;
  const message = error?.message ?? `${response.status} ${response.statusText}: ${text.slice(0, 200)}`;
  return new AmstaffApiError(response.status, error?.code, message, parsed, error?.details);
}

/** Fills `{name}` placeholders with their percent-encoded values. */
function fillPath(path: string, params: Record<string, string | number> | undefined): string {
  return path.replace(/\{([^}]+)\}/g, (_, key: string) => encodeURIComponent(String(params?.[key] ?? "")));
}

/**
 * One small client of the Amstaff API, typed by the types generated from its OpenAPI document
 * (`src/client/schema.ts`). Used by the `amstaff` CLI and the dashboard.
 */
export function createAmstaffClient(options: AmstaffClientOptions): AmstaffClient {
  const doFetch = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const tokenNow = () => (typeof options.token === "function" ? options.token() : options.token);

  const send: AmstaffClient["send"] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = tokenNow();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (typeof init.body === "string") {
      body = init.body;
      headers["content-type"] = "text/plain; charset=utf-8";
    } else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] = "application/json";
    }
    const response = await doFetch(`${options.baseUrl}${path}`, {
      method: method.toUpperCase(),
      headers,
      body,
      signal: init.signal,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the metrics' text, or a proxy's error page. Keep the text.
    }
    if (!response.ok) throw refused(response, text, parsed);
    return parsed;
  };

  return {
    send,
    call(method, path, ...[callOptions]) {
      const {
        path: params,
        query,
        body,
        signal,
      } = (callOptions ?? {}) as {
        path?: Record<string, string | number>;
        query?: Record<string, string | undefined>;
        body?: unknown;
        signal?: AbortSignal;
      };
      const search = new URLSearchParams(
        Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ).toString();
      const target = `${fillPath(path, params)}${search ? `?${search}` : ""}`;
      return send(method, target, { body, signal }) as Promise<never>;
    },
  };
}
