import { readFileSync } from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";
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
  #dispatcher: Agent | undefined;

  constructor(target: CliTarget) {
    this.#target = target;
  }

  /** With a CA file, requests verify the server against it (and only it) instead of the system store. */
  #fetch(url: string, init: RequestInit): Promise<Response> {
    const ca = this.#target.ca;
    if (ca === undefined) return fetch(url, init);
    if (!this.#dispatcher) {
      let pem: Buffer;
      try {
        pem = readFileSync(ca);
      } catch (error) {
        throw new ApiError(
          `cannot read the CA file ${ca} (--ca or AMSTAFF_CA): ${(error as Error).message}`,
          undefined,
          undefined,
        );
      }
      this.#dispatcher = new Agent({ connect: { ca: pem } });
    }
    return undiciFetch(url, {
      ...(init as object),
      dispatcher: this.#dispatcher,
    }) as unknown as Promise<Response>;
  }

  async request<T>(method: string, path: string, body?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#target.token) headers.authorization = `Bearer ${this.#target.token}`;
    if (body !== undefined) headers["content-type"] = "text/plain; charset=utf-8";
    let response: Response;
    try {
      response = await this.#fetch(`${this.#target.server}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      const untrusted = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/.test(cause);
      throw new ApiError(
        untrusted
          ? `cannot verify ${this.#target.server}'s certificate (${cause}); if it comes from a private CA, pass that CA's certificate with --ca or AMSTAFF_CA.`
          : `cannot reach ${this.#target.server} (${cause}); is the server running? Set --server or AMSTAFF_URL.`,
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
