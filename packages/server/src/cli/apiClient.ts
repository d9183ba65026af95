import { readFileSync } from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";
import { AmstaffApiError, type AmstaffClient, createAmstaffClient } from "../client/client.js";
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

/** The `amstaff` CLI's client of the server's API: the typed client, with the CLI's CA and messages. */
export class ApiClient {
  readonly #target: CliTarget;
  #dispatcher: Agent | undefined;
  readonly #client: AmstaffClient;

  constructor(target: CliTarget) {
    this.#target = target;
    this.#client = createAmstaffClient({
      baseUrl: target.server,
      token: target.token,
      fetch: (url, init) => this.#fetch(url, init),
    });
  }

  /** The server's URL, as the flags, environment or config file give it. */
  get server(): string {
    return this.#target.server;
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

  /** Sends `method path` (a string body as is) and resolves with the parsed answer. */
  async request<T>(method: string, path: string, body?: string): Promise<T> {
    try {
      return (await this.#client.send(method, path, { body, signal: AbortSignal.timeout(30_000) })) as T;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof AmstaffApiError) {
        const hint =
          error.status === 401 && !this.#target.token ? " (no token: set --token or AMSTAFF_TOKEN)" : "";
        throw new ApiError(`${error.message}${hint}`, error.status, error.body);
      }
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
  }
}
