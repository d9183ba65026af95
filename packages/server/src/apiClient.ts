import type { CliTarget } from "./cliConfig.js";

/** An error answer of the Amstaff API, or a failure to reach it. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** A small client of the server's JSON API, for the `amstaff` CLI. */
export class ApiClient {
  readonly #target: CliTarget;

  constructor(target: CliTarget) {
    this.#target = target;
  }

  async request<T>(method: string, path: string, body?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#target.token) headers.authorization = `Bearer ${this.#target.token}`;
    if (body !== undefined) headers["content-type"] = "text/plain; charset=utf-8";
    let response: Response;
    try {
      response = await fetch(`${this.#target.server}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(
        `cannot reach ${this.#target.server} (${cause}); is the server running? Set --server or AMSTAFF_URL.`,
        undefined,
        undefined,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: a proxy's error page, say. Keep the text for the message.
    }
    if (!response.ok) {
      const message =
        (parsed as { error?: { message?: string } })?.error?.message ??
        `${response.status} ${response.statusText}: ${text.slice(0, 200)}`;
      const hint =
        response.status === 401 && !this.#target.token ? " (no token: set --token or AMSTAFF_TOKEN)" : "";
      throw new ApiError(`${message}${hint}`, response.status, parsed);
    }
    return parsed as T;
  }
}
